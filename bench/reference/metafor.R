# Reference values for Sift's trim and fill and influence diagnostics
# (crates/sift-stats/tests/trimfill.rs, influence.rs), from metafor.
#
#   Rscript bench/reference/metafor.R
#
# writes crates/sift-stats/tests/data/trimfill_reference.json and influence_reference.json.
# Needs R with metafor (Debian: apt-get install r-cran-metafor, metafor 3.8-1) and
# ../shared/data/meta/dat_bcg.csv. Inputs: the four designs of metafor_small_sample.csv (pymare's
# test data, MIT, in crates/sift-stats/tests/data) and the 13 BCG trials as log risk ratios.
suppressMessages(library(metafor))
args <- commandArgs(trailingOnly = FALSE)
here <- dirname(normalizePath(sub("^--file=", "", args[grep("^--file=", args)])))
root <- normalizePath(file.path(here, "..", ".."))
small <- read.csv(file.path(root, "crates/sift-stats/tests/data/metafor_small_sample.csv"))
bcg <- read.csv(file.path(root, "..", "shared/data/meta/dat_bcg.csv"))
bcg <- escalc(measure = "RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = bcg)

sets <- list()
for (case in unique(small$case)) {
  d <- small[small$case == case, ]
  sets[[case]] <- list(yi = d$y, vi = d$v)
}
sets[["bcg"]] <- list(yi = as.numeric(bcg$yi), vi = as.numeric(bcg$vi))

num <- function(x) ifelse(is.na(x), "null", formatC(x, digits = 17, format = "g"))
vec <- function(x) paste0("[", paste(num(x), collapse = ", "), "]")
out <- file.path(root, "crates/sift-stats/tests/data")

# trimfill
cases <- c()
for (name in names(sets)) {
  for (method in c("FE", "DL", "REML")) {
    for (estimator in c("L0", "R0", "Q0")) {
      for (side in c("auto", "left", "right")) {
        s <- sets[[name]]
        res <- rma(s$yi, s$vi, method = method)
        tf <- tryCatch(
          if (side == "auto") trimfill(res, estimator = estimator) else trimfill(res, estimator = estimator, side = side),
          error = function(e) conditionMessage(e))
        if (is.character(tf)) {
          cases <- c(cases, sprintf('{"set": "%s", "method": "%s", "estimator": "%s", "side_asked": "%s", "error": "%s"}',
                                    name, method, estimator, side, gsub('"', "'", tf)))
          next
        }
        filled <- if (tf$k0 > 0) tf$yi[tf$fill] else numeric(0)
        cases <- c(cases, sprintf(paste0(
          '{"set": "%s", "method": "%s", "estimator": "%s", "side_asked": "%s", "side": "%s", "k0": %d, ',
          '"se_k0": %s, "estimate": %s, "se": %s, "ci_lb": %s, "ci_ub": %s, "tau2": %s, "k": %d, "filled": %s}'),
          name, method, estimator, side, tf$side, tf$k0, num(tf$se.k0), num(tf$beta[1]), num(tf$se),
          num(tf$ci.lb), num(tf$ci.ub), num(tf$tau2), tf$k, vec(sort(filled))))
      }
    }
  }
}
writeLines(sprintf('{\n"source": {"call": "trimfill(rma(yi, vi, method = METHOD), estimator = ESTIMATOR[, side = SIDE])", "metafor_version": "%s", "r_version": "%s"},\n"cases": [\n%s\n]}\n',
            as.character(packageVersion("metafor")), paste(R.version$major, R.version$minor, sep = "."),
            paste(cases, collapse = ",\n")), file.path(out, "trimfill_reference.json"), sep = "")

# influence
cases <- c()
for (name in names(sets)) {
  for (method in c("FE", "DL", "REML")) {
    for (test in c("z", "knha")) {
      s <- sets[[name]]
      inf <- influence(rma(s$yi, s$vi, method = method, test = test))
      i <- inf$inf
      cases <- c(cases, sprintf(paste0(
        '{"set": "%s", "method": "%s", "test": "%s", "rstudent": %s, "dffits": %s, "cook_d": %s, ',
        '"cov_r": %s, "tau2_del": %s, "qe_del": %s, "hat": %s, "weight": %s, "dfbetas": %s, "influential": [%s]}'),
        name, method, test, vec(i$rstudent), vec(i$dffits), vec(i$cook.d), vec(i$cov.r), vec(i$tau2.del),
        vec(i$QE.del), vec(i$hat), vec(i$weight), vec(inf$dfbs$intrcpt),
        paste(ifelse(inf$is.infl, "true", "false"), collapse = ", ")))
    }
  }
}
writeLines(sprintf('{\n"source": {"call": "influence(rma(yi, vi, method = METHOD, test = TEST))", "metafor_version": "%s", "r_version": "%s"},\n"cases": [\n%s\n]}\n',
            as.character(packageVersion("metafor")), paste(R.version$major, R.version$minor, sep = "."),
            paste(cases, collapse = ",\n")), file.path(out, "influence_reference.json"), sep = "")
