# How the R `survival` reference values in tests/survival/test_survival_r_conventions.py were produced.
# survival 3.5.3 (Debian bookworm r-cran-survival), R 4.2.2. Run: Rscript survival_cases.R
# The tests pin the printed numbers; they never call R.
suppressMessages(library(survival))
p <- function(name, x) cat(name, paste(sprintf("%.15g", x), collapse = " "), "\n")

# PWE: a death exactly at a cut belongs to the interval that ends at the cut (survSplit).
pwe <- data.frame(time = c(2, 6, 6, 7.5, 10, 24, 24, 30, 3, 6),
                  event = c(1, 1, 0, 1, 0, 1, 1, 0, 1, 1))
sp <- survSplit(Surv(time, event) ~ ., data = pwe, cut = c(6, 24), episode = "interval")
p("PWE events", tapply(sp$event, sp$interval, sum))
p("PWE exposure", tapply(sp$time - sp$tstart, sp$interval, sum))

km <- function(tag, time, event, conf.type = "log", times = NULL) {
  f <- survfit(Surv(time, event) ~ 1, conf.type = conf.type)
  q <- quantile(f, probs = 0.5)
  p(paste(tag, "median"), c(q$quantile, q$lower, q$upper))
  p(paste(tag, "print"), summary(f)$table[c("median", "0.95LCL", "0.95UCL")])
  if (!is.null(times)) {
    s <- summary(f, times = times)
    p(paste(tag, "times"), s$time); p(paste(tag, "surv"), s$surv)
    p(paste(tag, "lower"), s$lower); p(paste(tag, "upper"), s$upper)
    p(paste(tag, "n.risk"), s$n.risk)
  }
}
# KM1: S = 0.5 exactly on the step [3, 4): the median is the midpoint 3.5
km("KM1", 1:6, rep(1, 6))
# KM2: S = 0.5 on [2, 5) with a censoring at 3: the midpoint of 2 and the next death 5
km("KM2", c(1, 2, 3, 5), c(1, 1, 0, 1))
# KM5/KM6: the two groups of the file in tests/cli/test_cli_survival.py (months after SCT); KM5 sits
# at 0.5 from 17 to its last time 45 (censored): print.survfit's median is 17, quantile()'s is
# (17 + 45) / 2 (the one case where the two rules differ)
km("KM5", c(17, 45), c(1, 0))
km("KM6", c(2, 6, 26), c(1, 1, 0), times = c(1, 6, 12))
# KM3/KM4: the aml data (Embury et al. 1977), maintained arm and non-maintained arm
m <- aml[aml$x == "Maintained", ]
n <- aml[aml$x == "Nonmaintained", ]
km("KM3", m$time, m$status, times = c(6, 12, 24))
km("KM4", n$time, n$status, times = c(6, 12, 24))
km("KM3LL", m$time, m$status, conf.type = "log-log", times = c(6, 12, 24))
km("KM4LL", n$time, n$status, conf.type = "log-log", times = c(6, 12, 24))
p("KM3 data time", m$time); p("KM3 data event", m$status)
p("KM4 data time", n$time); p("KM4 data event", n$status)
# LR1: log-rank of the aml data, maintained vs non-maintained (survdiff; its documented example)
lr <- survdiff(Surv(time, status) ~ x, data = aml)
p("LR1 chisq", lr$chisq); p("LR1 p", pchisq(lr$chisq, df = 1, lower.tail = FALSE))
