# Reference values for Sift's influence diagnostics (crates/sift-stats/tests/influence.rs), from
# metafor's influence().
#
#   Rscript bench/reference/influence.R > crates/sift-stats/tests/data/influence_reference.json
#
# Needs R with metafor (Debian: apt-get install r-cran-metafor, metafor 3.8-1) and
# ../shared/data/meta/dat_bcg.csv; the same sets as bench/reference/trimfill.R.
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
cat(sprintf('{\n"source": {"call": "influence(rma(yi, vi, method = METHOD, test = TEST))", "metafor_version": "%s", "r_version": "%s"},\n"cases": [\n%s\n]}\n',
            as.character(packageVersion("metafor")), paste(R.version$major, R.version$minor, sep = "."),
            paste(cases, collapse = ",\n")))
