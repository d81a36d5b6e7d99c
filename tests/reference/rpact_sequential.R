# How the rpact reference values in tests/design/test_design_sequential.py were produced.
# rpact 3.3.4 (Debian bookworm r-cran-rpact 3.3.4-1), R 4.2.2. Run: Rscript rpact_sequential.R
# It prints one Python dict entry per design (name: {field: values}); the test module holds
# them verbatim in RPACT. The tests pin the printed numbers; they never call R.
# Each design is getDesignGroupSequential (+ getDesignCharacteristics, and
# getGroupSequentialProbabilities of the bounds for the stopping probabilities under H0,
# futility bounds counted)).
# Note: rpact floors the last alphaSpent to 1e-8 (0.02499999 for 0.025).
suppressMessages(library(rpact))
vec <- function(x) {  # three numbers a line (the test module's 100-column limit)
  s <- sprintf("%.15g", x)
  if (length(s) == 1) return(paste0("[", s, "]"))
  rows <- split(s, ceiling(seq_along(s) / 3))
  paste0("[\n            ", paste(sapply(rows, paste, collapse = ", "), collapse = ",\n            "),
    "]")
}
show <- function(name, d) {
  dc <- getDesignCharacteristics(d)
  kmax <- d$kMax
  fut <- if (d$sided == 2) -d$criticalValues else c(pmax(d$futilityBounds, -6), -6)
  p0 <- getGroupSequentialProbabilities(rbind(fut, d$criticalValues), d$informationRates)
  below <- if (d$sided == 2) p0[1, ] else p0[1, ] * (fut > -6)  # -6 is rpact's "no bound"
  cat(sprintf('    "%s": {\n', name))
  cat(sprintf('        "critical_values": %s,\n', vec(d$criticalValues)))
  cat(sprintf('        "alpha_spent": %s,\n', vec(d$alphaSpent)))
  if (!all(d$futilityBounds <= -6)) {
    cat(sprintf('        "futility_bounds": %s,\n', vec(d$futilityBounds)))
    cat(sprintf('        "futility_probabilities_h1": %s,\n', vec(dc$futilityProbabilities)))
  }
  cat(sprintf('        "shift": %s,\n', vec(dc$shift)))
  cat(sprintf('        "inflation_factor": %s,\n', vec(dc$inflationFactor)))
  cat(sprintf('        "power": %s,\n', vec(dc$power)))
  cat(sprintf('        "rejection_probabilities_h1": %s,\n', vec(dc$rejectionProbabilities)))
  cat(sprintf('        "stopping_probabilities_h0": %s,\n', vec((p0[3, ] - p0[2, ] + below)[1:(kmax - 1)])))
  cat(sprintf('        "average_sample_number_h0": %s,\n', vec(dc$averageSampleNumber0)))
  cat(sprintf('        "average_sample_number_h01": %s,\n', vec(dc$averageSampleNumber01)))
  cat(sprintf('        "average_sample_number_h1": %s,\n', vec(dc$averageSampleNumber1)))
  cat("    },\n")
}
gs <- function(...) getDesignGroupSequential(...)
cat("RPACT = {\n")
# one-sided alpha-spending families
show("asOF_3", gs(typeOfDesign = "asOF", alpha = 0.025, beta = 0.2, informationRates = c(0.4, 0.7, 1)))
show("asP_4", gs(typeOfDesign = "asP", alpha = 0.025, beta = 0.1, informationRates = c(0.25, 0.5, 0.75, 1)))
show("asKD2_3", gs(typeOfDesign = "asKD", gammaA = 2, alpha = 0.025, beta = 0.2, informationRates = c(0.3, 0.6, 1)))
show("asKD1_2", gs(typeOfDesign = "asKD", gammaA = 1, alpha = 0.05, beta = 0.1, informationRates = c(0.5, 1)))
show("asHSDm4_5", gs(typeOfDesign = "asHSD", gammaA = -4, alpha = 0.025, beta = 0.2, informationRates = c(0.2, 0.4, 0.6, 0.8, 1)))
show("asHSD1_3", gs(typeOfDesign = "asHSD", gammaA = 1, alpha = 0.025, beta = 0.2, informationRates = c(0.35, 0.65, 1)))
show("asOF_10", gs(typeOfDesign = "asOF", alpha = 0.025, beta = 0.2, informationRates = (1:10) / 10))
show("asUser_3", gs(typeOfDesign = "asUser", userAlphaSpending = c(0.001, 0.01, 0.025), alpha = 0.025, beta = 0.2,
  informationRates = c(0.3, 0.6, 1)))
show("asUser_bsP_nb", gs(typeOfDesign = "asUser", userAlphaSpending = c(0.0001, 0.005, 0.025), alpha = 0.025, beta = 0.2,
  informationRates = c(0.4, 0.7, 1), typeBetaSpending = "bsP", bindingFutility = FALSE))
# classical boundaries
show("OF_4", gs(typeOfDesign = "OF", alpha = 0.025, beta = 0.2, informationRates = c(0.25, 0.5, 0.75, 1)))
show("P_3", gs(typeOfDesign = "P", alpha = 0.025, beta = 0.2, informationRates = c(0.4, 0.7, 1)))
show("WT025_3", gs(typeOfDesign = "WT", deltaWT = 0.25, alpha = 0.025, beta = 0.2, informationRates = c(0.4, 0.7, 1)))
# beta-spending futility, non-binding and binding
show("asOF_bsOF_nb", gs(typeOfDesign = "asOF", alpha = 0.025, beta = 0.2, informationRates = c(0.4, 0.7, 1),
  typeBetaSpending = "bsOF", bindingFutility = FALSE))
show("asOF_bsOF_b", gs(typeOfDesign = "asOF", alpha = 0.025, beta = 0.2, informationRates = c(0.4, 0.7, 1),
  typeBetaSpending = "bsOF", bindingFutility = TRUE))
show("asP_bsP_b", gs(typeOfDesign = "asP", alpha = 0.025, beta = 0.2, informationRates = c(0.5, 0.75, 1),
  typeBetaSpending = "bsP", bindingFutility = TRUE))
show("asKD3_bsKD2_nb", gs(typeOfDesign = "asKD", gammaA = 3, alpha = 0.025, beta = 0.1, informationRates = c(0.25, 0.5, 0.75, 1),
  typeBetaSpending = "bsKD", gammaB = 2, bindingFutility = FALSE))
show("asHSDm2_bsHSDm2_b", gs(typeOfDesign = "asHSD", gammaA = -2, alpha = 0.025, beta = 0.2, informationRates = c(0.3, 0.6, 1),
  typeBetaSpending = "bsHSD", gammaB = -2, bindingFutility = TRUE))
# given futility bounds
show("asOF_fut_b", gs(typeOfDesign = "asOF", alpha = 0.025, beta = 0.2, informationRates = c(0.4, 0.7, 1),
  futilityBounds = c(0, 0.5), bindingFutility = TRUE))
show("OF_fut_nb", gs(typeOfDesign = "OF", alpha = 0.025, beta = 0.2, informationRates = c(0.5, 1),
  futilityBounds = c(0.2), bindingFutility = FALSE))
# two-sided
show("asOF_2s", gs(typeOfDesign = "asOF", alpha = 0.05, beta = 0.2, sided = 2, informationRates = c(0.4, 0.7, 1)))
show("asP_2s", gs(typeOfDesign = "asP", alpha = 0.05, beta = 0.1, sided = 2, informationRates = c(0.5, 1)))
show("OF_2s", gs(typeOfDesign = "OF", alpha = 0.05, beta = 0.2, sided = 2, informationRates = c(0.25, 0.5, 0.75, 1)))
show("WT01_2s", gs(typeOfDesign = "WT", deltaWT = 0.1, alpha = 0.05, beta = 0.2, sided = 2, informationRates = c(0.3, 0.6, 1)))
show("asHSD2_2s", gs(typeOfDesign = "asHSD", gammaA = 2, alpha = 0.05, beta = 0.2, sided = 2, informationRates = c(0.5, 0.8, 1)))
cat("}\n")
