# How the rpact reference values in tests/design/test_design_survival.py were produced.
# rpact 3.3.4 (Debian bookworm r-cran-rpact 3.3.4-1), R 4.2.2. Run: Rscript rpact_cases.R
# The tests pin the printed numbers; they never call R.
suppressMessages(library(rpact))
p <- function(name, x) cat(name, sprintf("%.15g", x), "\n")
show <- function(tag, x) {
  p(paste(tag, "events"), x$eventsFixed); p(paste(tag, "subjects"), x$nFixed)
  p(paste(tag, "subjects1"), x$nFixed1); p(paste(tag, "subjects2"), x$nFixed2)
  p(paste(tag, "followup"), x$followUpTime); p(paste(tag, "duration"), x$analysisTime[1, 1])
}
# R1 Schoenfeld: median 12 months control, HR 0.5, accrual 12, follow-up 12, one-sided 2.5%, 80%
show("R1", getSampleSizeSurvival(alpha = 0.025, sided = 1, beta = 0.2, lambda2 = log(2) / 12,
  hazardRatio = 0.5, accrualTime = c(0, 12), followUpTime = 12))
# R2 Schoenfeld, 2:1 allocation, dropout 10% by 12 months both arms, two-sided 5%, 90%
show("R2", getSampleSizeSurvival(alpha = 0.05, sided = 2, beta = 0.1, lambda2 = log(2) / 20,
  hazardRatio = 0.7, allocationRatioPlanned = 2, accrualTime = c(0, 24), followUpTime = 12,
  dropoutRate1 = 0.1, dropoutRate2 = 0.1, dropoutTime = 12))
# R3 Freedman, same as R2
show("R3", getSampleSizeSurvival(alpha = 0.05, sided = 2, beta = 0.1, lambda2 = log(2) / 20,
  hazardRatio = 0.7, allocationRatioPlanned = 2, accrualTime = c(0, 24), followUpTime = 12,
  dropoutRate1 = 0.1, dropoutRate2 = 0.1, dropoutTime = 12, typeOfComputation = "Freedman"))
# R4 Freedman, 3:1 allocation, different dropout per arm
show("R4", getSampleSizeSurvival(alpha = 0.025, sided = 1, beta = 0.2, lambda2 = 0.05,
  hazardRatio = 0.6, allocationRatioPlanned = 3, accrualTime = c(0, 18), followUpTime = 6,
  dropoutRate1 = 0.05, dropoutRate2 = 0.15, dropoutTime = 12, typeOfComputation = "Freedman"))
# R5 Schoenfeld, piecewise accrual (relative intensities 1:2 over 6+6 months) and piecewise
#    exponential control hazard (0.05 then 0.03 from month 6), HR 0.6
show("R5", getSampleSizeSurvival(alpha = 0.025, sided = 1, beta = 0.2,
  piecewiseSurvivalTime = c(0, 6), lambda2 = c(0.05, 0.03), hazardRatio = 0.6,
  accrualTime = c(0, 6, 12), accrualIntensity = c(0.1, 0.2), followUpTime = 10))
# R6 study duration for a given size: 300 subjects at 20 per month (accrual 15 months),
#    follow-up solved; median 18 months, HR 0.65, dropout hazard 0.01 per month
show("R6", getSampleSizeSurvival(alpha = 0.025, sided = 1, beta = 0.2, median2 = 18,
  hazardRatio = 0.65, accrualTime = 0, accrualIntensity = 20, maxNumberOfSubjects = 300,
  dropoutRate1 = 1 - exp(-0.01 * 12), dropoutRate2 = 1 - exp(-0.01 * 12), dropoutTime = 12))
# R7 power for a given number of events (Schoenfeld), 1:1, one-sided 2.5%
x <- getPowerSurvival(alpha = 0.025, sided = 1, lambda2 = log(2) / 12, hazardRatio = 0.7,
  accrualTime = c(0, 12), maxNumberOfSubjects = 400, maxNumberOfEvents = 150, directionUpper = FALSE)
p("R7 power", x$overallReject); p("R7 duration", x$analysisTime[1, 1])
# R8 power, two-sided, 2:1 allocation
x <- getPowerSurvival(alpha = 0.05, sided = 2, lambda2 = log(2) / 12, hazardRatio = 0.75,
  allocationRatioPlanned = 2, accrualTime = c(0, 12), maxNumberOfSubjects = 400,
  maxNumberOfEvents = 200)
p("R8 power", x$overallReject)
# R9 power, Freedman, 3:1
x <- getPowerSurvival(alpha = 0.025, sided = 1, lambda2 = log(2) / 12, hazardRatio = 0.7,
  allocationRatioPlanned = 3, accrualTime = c(0, 12), maxNumberOfSubjects = 400,
  maxNumberOfEvents = 150, typeOfComputation = "Freedman", directionUpper = FALSE)
p("R9 power", x$overallReject)
# B1 two rates, normal approximation (getSampleSizeRates), 0.2 vs 0.4, 2:1, one-sided 2.5%, 80%
x <- getSampleSizeRates(alpha = 0.025, sided = 1, beta = 0.2, pi1 = 0.4, pi2 = 0.2,
  allocationRatioPlanned = 2)
p("B1 subjects", x$nFixed); p("B1 subjects1", x$nFixed1); p("B1 subjects2", x$nFixed2)
