# Reference values of tests/simulator/test_simulate_sequential_rpact.py: rpact 3.3.4
# getSimulationSurvival (kMax = 3, group-sequential log-rank) on the 100-patient design of
# benchmarks/_common.py: 100 patients 1:1, control median 12 months, accrual over 24 months,
# dropout hazard 0.01 a month in both arms (rpact: 1 - exp(-0.12) by 12 months), looks at 28, 49
# and 70 events (information rates 0.4, 0.7, 1). R 4.2.2, Debian r-cran-rpact 3.3.4-1.
# Run: Rscript tests/reference/rpact_simulation_sequential.R   (about 90 seconds)
# The test pins the printed numbers (Monte-Carlo estimates of rpact's seeded runs) and never
# calls R. rpact enrols patients at equally spaced times (i * 24 / 100) and alternates the arms;
# neosim draws entry times uniformly: the look statistics at fixed event counts have the same
# distribution to first order, calendar times and subjects at a look do not exactly.
suppressMessages(library(rpact))
iterations <- 200000
p <- function(name, x) cat(name, sprintf("%.10g", x), "\n")
run <- function(tag, design, hr, theta_h0 = 1, direction_upper = FALSE) {
  s <- getSimulationSurvival(design, thetaH0 = theta_h0, directionUpper = direction_upper,
    median2 = 12, hazardRatio = hr, accrualTime = c(0, 24), maxNumberOfSubjects = 100,
    dropoutRate1 = 1 - exp(-0.12), dropoutRate2 = 1 - exp(-0.12), dropoutTime = 12,
    plannedEvents = c(28, 49, 70), maxNumberOfIterations = iterations, seed = 20261201)
  p(paste(tag, "critical_values"), design$criticalValues)
  if (!all(is.na(design$futilityBounds))) p(paste(tag, "futility_bounds"), design$futilityBounds)
  p(paste(tag, "overall_reject"), s$overallReject)
  p(paste(tag, "reject_per_stage"), s$rejectPerStage[, 1])
  p(paste(tag, "futility_per_stage"), s$futilityPerStage[, 1])
  p(paste(tag, "early_stop"), s$earlyStop)
  p(paste(tag, "expected_events"), s$expectedNumberOfEvents)
  p(paste(tag, "expected_subjects"), s$expectedNumberOfSubjects)
  p(paste(tag, "study_duration"), s$studyDuration)
  p(paste(tag, "analysis_time"), s$analysisTime[, 1])
  p(paste(tag, "events_not_achieved"), sum(s$eventsNotAchieved[, 1]))
}
rates <- c(0.4, 0.7, 1)
of <- getDesignGroupSequential(kMax = 3, alpha = 0.025, sided = 1, informationRates = rates,
  typeOfDesign = "asOF")
# S1: O'Brien-Fleming-type alpha spending, efficacy only, HR 0.7
run("S1", of, 0.7)
# S2: the same with binding O'Brien-Fleming-type beta-spending futility (beta 0.2), HR 0.7
fut <- getDesignGroupSequential(kMax = 3, alpha = 0.025, beta = 0.2, sided = 1,
  informationRates = rates, typeOfDesign = "asOF", typeBetaSpending = "bsOF",
  bindingFutility = TRUE)
run("S2", fut, 0.7)
# S3: S2 under H0 (HR 1): the type-I error
run("S3", fut, 1)
# S4: Pocock-type alpha spending, one-sided 2.5 %, HR 0.7 (rpact's survival simulation is
#     one-sided only; neosim's two-sided rule is checked against the exact recursion)
poc <- getDesignGroupSequential(kMax = 3, alpha = 0.025, sided = 1, informationRates = rates,
  typeOfDesign = "asP")
run("S4", poc, 0.7)
# S5: non-inferiority, thetaH0 = 1.3 (HR under H0), true HR 1, OBF-type efficacy only
run("S5", of, 1, theta_h0 = 1.3)
