# Reference values of tests/design/test_design_survival_sequential.py (and the theta_h0 cases of
# tests/design/test_design_survival.py): survival sample size and power with interim looks and
# with a shifted null (thetaH0), from rpact 3.3.4 (Debian bookworm r-cran-rpact 3.3.4-1, R 4.2.2).
# Run: Rscript rpact_sequential_survival.R   (optionally with GSDESIGN_R=<folder holding
# gsDesign's R/eEvents1.R, R/eEvents.R and R/LFPWE.R at commit 0dad8afa> for the Lachin-Foulkes
# lines; gsDesign is not packaged in Debian bookworm). The tests pin the printed numbers; they
# never call R.
suppressMessages(library(rpact))
p <- function(name, x) cat(name, paste(sprintf("%.15g", x), collapse = " "), "\n")

# ---- fixed designs with a shifted null -------------------------------------------------------
# N1 non-inferiority: HR 1 against thetaH0 1.3, median 12, accrual 12, follow-up 12
x <- getSampleSizeSurvival(alpha = 0.025, sided = 1, beta = 0.2, lambda2 = log(2) / 12,
  thetaH0 = 1.3, hazardRatio = 1, accrualTime = c(0, 12), followUpTime = 12)
p("N1 events", x$eventsFixed); p("N1 subjects", x$nFixed)
# N2 shifted null below 1: HR 0.5 against thetaH0 0.8, 2:1, dropout 10% by 12 months
x <- getSampleSizeSurvival(alpha = 0.025, sided = 1, beta = 0.1, lambda2 = log(2) / 20,
  thetaH0 = 0.8, hazardRatio = 0.5, allocationRatioPlanned = 2, accrualTime = c(0, 24),
  followUpTime = 12, dropoutRate1 = 0.1, dropoutRate2 = 0.1, dropoutTime = 12)
p("N2 events", x$eventsFixed); p("N2 subjects", x$nFixed)
# N3 power at 300 events, HR 0.95 against thetaH0 1.25
x <- getPowerSurvival(alpha = 0.025, sided = 1, lambda2 = log(2) / 12, hazardRatio = 0.95,
  thetaH0 = 1.25, accrualTime = c(0, 12), maxNumberOfSubjects = 600, maxNumberOfEvents = 300,
  directionUpper = FALSE)
p("N3 power", x$overallReject)

# ---- group-sequential designs ----------------------------------------------------------------
ss <- function(tag, x) {
  p(paste(tag, "events_per_look"), x$eventsPerStage[, 1])
  p(paste(tag, "max_subjects"), x$maxNumberOfSubjects)
  p(paste(tag, "expected_events_h0"), x$expectedEventsH0)
  p(paste(tag, "expected_events_h01"), x$expectedEventsH01)
  p(paste(tag, "expected_events_h1"), x$expectedEventsH1)
  p(paste(tag, "analysis_times"), x$analysisTime[, 1])
  p(paste(tag, "subjects_per_look"), x$numberOfSubjects[, 1])
  p(paste(tag, "expected_subjects_h1"), x$expectedNumberOfSubjectsH1)
  p(paste(tag, "study_duration_h1"), x$studyDuration)
}
# S1 asOF, looks at 0.4/0.7/1, one-sided 2.5%, 80%, median 12, HR 0.6, accrual 24, follow-up 12
d1 <- getDesignGroupSequential(kMax = 3, alpha = 0.025, beta = 0.2, sided = 1,
  informationRates = c(0.4, 0.7, 1), typeOfDesign = "asOF")
ss("S1", getSampleSizeSurvival(design = d1, lambda2 = log(2) / 12, hazardRatio = 0.6,
  accrualTime = c(0, 24), followUpTime = 12))
# S2 asP, two looks, two-sided 5%, 90%, 2:1, HR 0.7, median 20, dropout 10% by 12 months
d2 <- getDesignGroupSequential(kMax = 2, alpha = 0.05, beta = 0.1, sided = 2,
  informationRates = c(0.5, 1), typeOfDesign = "asP")
ss("S2", getSampleSizeSurvival(design = d2, lambda2 = log(2) / 20, hazardRatio = 0.7,
  allocationRatioPlanned = 2, accrualTime = c(0, 24), followUpTime = 12, dropoutRate1 = 0.1,
  dropoutRate2 = 0.1, dropoutTime = 12))
# S3 asKD gamma 2, four looks, non-inferiority HR 0.9 against thetaH0 1.3
d3 <- getDesignGroupSequential(kMax = 4, alpha = 0.025, beta = 0.2, sided = 1,
  informationRates = c(0.25, 0.5, 0.75, 1), typeOfDesign = "asKD", gammaA = 2)
ss("S3", getSampleSizeSurvival(design = d3, lambda2 = log(2) / 12, hazardRatio = 0.9,
  thetaH0 = 1.3, accrualTime = c(0, 18), followUpTime = 12))
# S4 asHSD gamma -4 with non-binding futility by beta spending (bsHSD gamma -2), HR 0.65
d4 <- getDesignGroupSequential(kMax = 3, alpha = 0.025, beta = 0.2, sided = 1,
  informationRates = c(0.3, 0.6, 1), typeOfDesign = "asHSD", gammaA = -4,
  typeBetaSpending = "bsHSD", gammaB = -2, bindingFutility = FALSE)
ss("S4", getSampleSizeSurvival(design = d4, lambda2 = 0.05, hazardRatio = 0.65,
  accrualTime = c(0, 20), followUpTime = 10))
# S5 classical O'Brien-Fleming (OF), piecewise accrual 1:2 over 6+6 months, piecewise control
d5 <- getDesignGroupSequential(kMax = 3, alpha = 0.025, beta = 0.2, sided = 1,
  informationRates = c(1 / 3, 2 / 3, 1), typeOfDesign = "OF")
ss("S5", getSampleSizeSurvival(design = d5, piecewiseSurvivalTime = c(0, 6),
  lambda2 = c(0.05, 0.03), hazardRatio = 0.6, accrualTime = c(0, 6, 12),
  accrualIntensity = c(0.1, 0.2), followUpTime = 10))
# S6 Freedman, asOF with binding futility z bounds (0, 0.5), 3:1, dropout per arm
d6 <- getDesignGroupSequential(kMax = 3, alpha = 0.025, beta = 0.2, sided = 1,
  informationRates = c(0.4, 0.7, 1), typeOfDesign = "asOF", futilityBounds = c(0, 0.5),
  bindingFutility = TRUE)
ss("S6", getSampleSizeSurvival(design = d6, typeOfComputation = "Freedman", lambda2 = 0.05,
  hazardRatio = 0.6, allocationRatioPlanned = 3, accrualTime = c(0, 18), followUpTime = 6,
  dropoutRate1 = 0.05, dropoutRate2 = 0.15, dropoutTime = 12))
# S7 Wang-Tsiatis delta 0.25, two looks, shifted null thetaH0 0.9 against HR 0.6
d7 <- getDesignGroupSequential(kMax = 2, alpha = 0.025, beta = 0.15, sided = 1,
  informationRates = c(0.5, 1), typeOfDesign = "WT", deltaWT = 0.25)
ss("S7", getSampleSizeSurvival(design = d7, lambda2 = log(2) / 15, hazardRatio = 0.6,
  thetaH0 = 0.9, accrualTime = c(0, 12), followUpTime = 18))

# ---- power of a group-sequential design at given events and subjects ------------------------
pw <- function(tag, x) {
  p(paste(tag, "overall_reject"), x$overallReject)
  p(paste(tag, "reject_per_look"), x$rejectPerStage[, 1])
  if (!is.null(x$futilityPerStage)) p(paste(tag, "futility_per_look"), x$futilityPerStage[, 1])
  p(paste(tag, "expected_events"), x$expectedNumberOfEvents)
  p(paste(tag, "analysis_times"), x$analysisTime[, 1])
  p(paste(tag, "subjects_per_look"), x$numberOfSubjects[, 1])
  p(paste(tag, "expected_subjects"), x$expectedNumberOfSubjects)
  p(paste(tag, "study_duration"), x$studyDuration)
}
# P1 the S1 design at 150 events and 250 subjects, HR 0.65
pw("P1", getPowerSurvival(design = d1, lambda2 = log(2) / 12, hazardRatio = 0.65,
  accrualTime = c(0, 24), maxNumberOfSubjects = 250, maxNumberOfEvents = 150,
  directionUpper = FALSE))
# P2 the S4 design (futility) at 200 events and 400 subjects, HR 0.7
pw("P2", getPowerSurvival(design = d4, lambda2 = 0.05, hazardRatio = 0.7,
  accrualTime = c(0, 20), maxNumberOfSubjects = 400, maxNumberOfEvents = 200,
  directionUpper = FALSE))
# P3 the S2 design (two-sided) at 300 events and 700 subjects, HR 0.75, 2:1
pw("P3", getPowerSurvival(design = d2, lambda2 = log(2) / 20, hazardRatio = 0.75,
  allocationRatioPlanned = 2, accrualTime = c(0, 24), maxNumberOfSubjects = 700,
  maxNumberOfEvents = 300, dropoutRate1 = 0.1, dropoutRate2 = 0.1, dropoutTime = 12))
# P4 the S3 design (asKD, thetaH0 1.3, HR 0.9) with absolute accrual of 20 a month (400 subjects
#    in 20 months), dropout 5% by 12 months, 250 events
pw("P4", getPowerSurvival(design = d3, lambda2 = log(2) / 12, hazardRatio = 0.9, thetaH0 = 1.3,
  accrualTime = 0, accrualIntensity = 20, maxNumberOfSubjects = 400, maxNumberOfEvents = 250,
  dropoutRate1 = 0.05, dropoutRate2 = 0.05, dropoutTime = 12, directionUpper = FALSE))

# ---- Lachin-Foulkes with a shifted null (gsDesign LFPWE, hr0) ---------------------------------
src <- Sys.getenv("GSDESIGN_R")
if (nzchar(src)) {
  for (f in c("eEvents1.R", "eEvents.R", "LFPWE.R")) source(file.path(src, f))
  # L1 non-inferiority: HR 1 against hr0 1.3, hazard log(2)/12, accrual 12, follow-up 12
  x <- LFPWE(alpha = 0.025, beta = 0.2, lambdaC = log(2) / 12, hr = 1, hr0 = 1.3, R = 12,
    T = 24, minfup = 12)
  p("L1 subjects", x$n); p("L1 events", x$d)
  # L2 hr 0.5 against hr0 0.8, 2:1, dropout hazard 0.01 both arms, accrual 24, follow-up 12
  x <- LFPWE(alpha = 0.025, beta = 0.1, lambdaC = log(2) / 20, hr = 0.5, hr0 = 0.8,
    etaC = 0.01, etaE = 0.01, ratio = 2, R = 24, T = 36, minfup = 12)
  p("L2 subjects", x$n); p("L2 events", x$d)
}
