#!/usr/bin/python3
"""Reference values for internal/engine/stats, computed with scipy and statsmodels.

Run once with Debian's Python (python3-scipy, python3-statsmodels, python3-numpy,
python3-mpmath) from the repository root:

    /usr/bin/python3 internal/engine/stats/testdata/make_reference.py

It writes reference.json beside this script. Every case is seeded, so the file is
reproducible; the versions used are recorded in it. The Go tests read the JSON and
compare the engine to these numbers (tolerances are stated in reference_test.go).

Sufficient statistics are written as exactly rounded sums (math.fsum) of the raw
data, so the Go side sees the best that a (n, sum, sum of squares) record can carry.
Each group is also written "shifted": sums of x - shift with shift = the group's
first value, which is how the engine's streaming accumulator stores them and which
keeps the variance exact when the mean is large next to the spread.
"""

import json
import math
import os
import sys
import warnings
from fractions import Fraction

import mpmath
import numpy as np
import scipy
import scipy.stats as st
import statsmodels
from scipy import optimize, special
from statsmodels.stats.power import NormalIndPower, TTestIndPower
from statsmodels.stats.proportion import (confint_proportions_2indep,
                                          proportion_effectsize,
                                          proportions_ztest)
from statsmodels.stats.weightstats import CompareMeans, DescrStatsW


def summary(x):
    """n, sum, sum of squares (exactly rounded), and the same shifted by x[0]."""
    x = np.asarray(x, dtype=np.float64)
    shift = float(x[0])
    d = x - shift
    return {
        "n": int(x.size),
        "sum": math.fsum(x),
        "sum_squares": math.fsum(x * x),
        "shift": shift,
        "shifted_sum": math.fsum(d),
        "shifted_sum_squares": math.fsum(d * d),
    }


def exact_mean_var(s):
    """Mean and sample variance of a summary, in exact rational arithmetic."""
    n = Fraction(s["n"])
    sm = Fraction(s["sum"])
    ss = Fraction(s["sum_squares"])
    mean = sm / n
    var = (ss - sm * sm / n) / (n - 1)
    return float(mean), float(var)


def t_two_sided_mp(t, df):
    """P(|T| >= |t|) for Student's t at 40 digits: I_x(df/2, 1/2), x = df/(df + t^2)."""
    mpmath.mp.dps = 40
    t, df = mpmath.mpf(t), mpmath.mpf(df)
    return mpmath.betainc(df / 2, mpmath.mpf(1) / 2, 0, df / (df + t * t), regularized=True)


def t_critical_mp(alpha, df):
    """The t with P(|T| >= t) = alpha, at 40 digits (scipy 1.10's t.isf is good to ~1e-9 only)."""
    mpmath.mp.dps = 40
    return mpmath.findroot(lambda t: t_two_sided_mp(t, df) - alpha, st.t.isf(alpha / 2, df))


def t_two_sided_quad(t, df):
    """P(|T| >= t) by integrating the density at 40 digits: Gauss-Legendre panels a
    quarter of the decay length wide, then tanh-sinh for the far tail. Used where
    mpmath's betainc series does not converge (x = df/(df+t^2) > 1/2 with df huge)."""
    mpmath.mp.dps = 40
    T = mpmath.mpf(t)
    D = mpmath.mpf(df)
    logc = mpmath.loggamma((D + 1) / 2) - mpmath.loggamma(D / 2) - mpmath.log(D * mpmath.pi) / 2

    def f(s):
        return mpmath.exp(logc - (D + 1) / 2 * mpmath.log1p(s * s / D))
    if T <= 1:
        return 1 - 2 * mpmath.quad(f, mpmath.linspace(0, T, 9), method="gauss-legendre")
    w = min(mpmath.mpf(1), 1 / T) / 4
    pts = [T]
    floor = f(T) * mpmath.mpf(10) ** -60
    while f(pts[-1]) > floor and len(pts) < 2000:
        pts.append(pts[-1] + w * (1 + len(pts) // 50))
    return 2 * (mpmath.quad(f, pts, method="gauss-legendre") + mpmath.quad(f, [pts[-1], mpmath.inf]))


def student_t_cases():
    """Two-sided Student t tail probabilities across df from 1 to 1e12."""
    cases = []
    for df in (1, 2, 6, 29.7, 1e3, 1e6, 1e8, 1e9, 1e12):
        for t in (0.001, 0.5, 1.5, 1.959963984540054, 3.0, 10.0, 30.0, 1e4):
            x = df / (df + t * t)
            if x <= 0.5:
                p, method = t_two_sided_mp(t, df), "betainc"
            else:
                p, method = t_two_sided_quad(t, df), "quadrature"
            cases.append({"df": df, "t": t, "pvalue": float(p), "method": method,
                          "scipy": float(2 * st.t.sf(t, df))})
    return cases


def delta_relative(mc, vc, nc, mt, vt, nt, alpha):
    """Relative difference (mt - mc)/|mc| (mt/mc - 1 for a positive control
    mean, of the right sign for a negative one) with a delta-method normal CI."""
    rel = (mt - mc) / abs(mc)
    se = math.sqrt(vt / (nt * mc * mc) + mt * mt * vc / (nc * mc ** 4))
    z = st.norm.isf(alpha / 2)
    return {"estimate": rel, "se": se, "ci_low": rel - z * se, "ci_high": rel + z * se}


def welch_case(name, control, treatment, alpha=0.05, note=""):
    c = np.asarray(control, dtype=np.float64)
    t = np.asarray(treatment, dtype=np.float64)
    res = st.ttest_ind(t, c, equal_var=False)
    cm = CompareMeans(DescrStatsW(t), DescrStatsW(c))
    tstat, p, df = cm.ttest_ind(usevar="unequal")
    lo, hi = cm.tconfint_diff(alpha=alpha, usevar="unequal")
    sc, stt = summary(c), summary(t)
    mc, vc = exact_mean_var(sc)
    mt, vt = exact_mean_var(stt)
    fs = st.ttest_ind_from_stats(mt, math.sqrt(vt), stt["n"], mc, math.sqrt(vc), sc["n"], equal_var=False)
    out = {
        "name": name,
        "alpha": alpha,
        "control": sc,
        "treatment": stt,
        "raw": {
            "mean_control": float(np.mean(c)),
            "mean_treatment": float(np.mean(t)),
            "var_control": float(np.var(c, ddof=1)),
            "var_treatment": float(np.var(t, ddof=1)),
            "diff": float(np.mean(t) - np.mean(c)),
            "statistic": float(res.statistic),
            "pvalue": float(res.pvalue),
            "pvalue_mpmath": float(t_two_sided_mp(res.statistic, df)),
            "statsmodels_statistic": float(tstat),
            "statsmodels_pvalue": float(p),
            "df": float(df),
            "ci_low": float(lo),
            "ci_high": float(hi),
            "relative": delta_relative(float(np.mean(c)), float(np.var(c, ddof=1)), c.size,
                                       float(np.mean(t)), float(np.var(t, ddof=1)), t.size, alpha),
        },
        "from_stats": {
            "mean_control": mc,
            "mean_treatment": mt,
            "var_control": vc,
            "var_treatment": vt,
            "statistic": float(fs.statistic),
            "pvalue": float(fs.pvalue),
        },
    }
    if note:
        out["note"] = note
    return out


def welch_cases():
    rng = np.random.default_rng(20240501)
    cases = []
    cases.append(welch_case("basic", rng.normal(10, 2, 50), rng.normal(10.5, 3, 60)))
    cases.append(welch_case("tiny_n", [3.1, 4.7], [5.0, 2.2, 8.9], alpha=0.1))
    cases.append(welch_case("unequal_variances", rng.normal(0, 1, 30), rng.normal(1, 10, 200), alpha=0.01))
    cases.append(welch_case("one_group_constant", [7.0] * 5, rng.normal(8, 1, 12)))
    cases.append(welch_case("identical_means", [1.0, 2.0, 3.0, 4.0], [4.0, 3.0, 2.0, 1.0]))
    cases.append(welch_case("tiny_pvalue", rng.normal(0, 1, 400), rng.normal(1.5, 1, 400)))
    cases.append(welch_case("huge_n", rng.normal(100, 15, 2_000_000), rng.normal(100.03, 15, 2_000_000)))
    cases.append(welch_case("skewed_revenue", rng.lognormal(3, 1.2, 5000), rng.lognormal(3.05, 1.2, 5100)))
    cases.append(welch_case(
        "large_offset", rng.normal(1e6, 1, 1000), rng.normal(1e6 + 0.1, 1, 1000),
        note="mean/sd = 1e6: unshifted sums lose ~12 digits of the variance, so 'from_stats' "
             "(scipy on the exactly computed variance of those rounded sums) differs from 'raw'; "
             "the shifted sums reproduce 'raw'."))
    return cases


def proportion_case(name, xc, nc, xt, nt, alpha=0.05):
    z, p = proportions_ztest(np.array([xt, xc]), np.array([nt, nc]))
    lo, hi = confint_proportions_2indep(xt, nt, xc, nc, method="newcomb", compare="diff", alpha=alpha)
    pc, pt = xc / nc, xt / nt
    return {
        "name": name,
        "alpha": alpha,
        "control": {"n": nc, "successes": xc},
        "treatment": {"n": nt, "successes": xt},
        "statistic": float(z),
        "pvalue": float(p),
        "diff": pt - pc,
        "ci_low": float(lo),
        "ci_high": float(hi),
        "relative": delta_relative(pc, pc * (1 - pc), nc, pt, pt * (1 - pt), nt, alpha),
    }


def proportion_cases():
    return [
        proportion_case("basic", 100, 1000, 130, 1000),
        proportion_case("small_n", 4, 20, 11, 25, alpha=0.1),
        proportion_case("rare_events", 5, 10000, 15, 10000),
        proportion_case("no_difference", 50, 500, 50, 500),
        proportion_case("unequal_n", 310, 3000, 120, 1000),
        proportion_case("tiny_pvalue", 1000, 10000, 1400, 10000),
        proportion_case("huge_n", 5_000_000, 100_000_000, 5_010_000, 100_000_000),
        # Rates at the edges, where a Wald interval leaves [-1, 1].
        proportion_case("extreme_rates", 1, 100, 100, 100),
        proportion_case("zero_treatment", 6, 40, 0, 40),
        proportion_case("all_treatment", 30, 30, 12, 30, alpha=0.01),
    ]


def srm_case(name, observed, weights):
    obs = np.array(observed, dtype=np.float64)
    w = np.array(weights, dtype=np.float64)
    exp = obs.sum() * w / w.sum()
    res = st.chisquare(obs, f_exp=exp)
    return {
        "name": name,
        "observed": observed,
        "weights": weights,
        "statistic": float(res.statistic),
        "df": len(observed) - 1,
        "pvalue": float(res.pvalue),
    }


def srm_cases():
    return [
        srm_case("balanced", [10000, 10050], [50, 50]),
        srm_case("mismatch", [10000, 11000], [50, 50]),
        srm_case("three_way", [3400, 3300, 3250], [34, 33, 33]),
        srm_case("ninety_ten", [90500, 9500], [90, 10]),
        srm_case("exact_split", [500, 500], [1, 1]),
        srm_case("large_mild", [1_000_000, 1_003_000], [1, 1]),
    ]


def paired_summary(x, y):
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    return {
        "n": int(x.size),
        "sum_x": math.fsum(x),
        "sum_y": math.fsum(y),
        "sum_xx": math.fsum(x * x),
        "sum_yy": math.fsum(y * y),
        "sum_xy": math.fsum(x * y),
    }


def cuped_case(name, xc, yc, xt, yt, alpha=0.05):
    xc, yc, xt, yt = (np.asarray(a, dtype=np.float64) for a in (xc, yc, xt, yt))
    x = np.concatenate([xc, xt])
    y = np.concatenate([yc, yt])
    theta = np.cov(x, y, ddof=1)[0, 1] / np.var(x, ddof=1)
    mx = np.mean(x)
    ac = yc - theta * (xc - mx)
    at = yt - theta * (xt - mx)
    res = st.ttest_ind(at, ac, equal_var=False)
    cm = CompareMeans(DescrStatsW(at), DescrStatsW(ac))
    _, _, df = cm.ttest_ind(usevar="unequal")
    lo, hi = cm.tconfint_diff(alpha=alpha, usevar="unequal")
    plain = st.ttest_ind(yt, yc, equal_var=False)
    return {
        "name": name,
        "alpha": alpha,
        "control": paired_summary(xc, yc),
        "treatment": paired_summary(xt, yt),
        "theta": float(theta),
        "adjusted_mean_control": float(np.mean(ac)),
        "adjusted_mean_treatment": float(np.mean(at)),
        "adjusted_var_control": float(np.var(ac, ddof=1)),
        "adjusted_var_treatment": float(np.var(at, ddof=1)),
        "statistic": float(res.statistic),
        "pvalue": float(res.pvalue),
        "df": float(df),
        "ci_low": float(lo),
        "ci_high": float(hi),
        "unadjusted_pvalue": float(plain.pvalue),
    }


def cuped_cases():
    rng = np.random.default_rng(7)
    cases = []
    for name, n, corr, effect in (("strong_covariate", 2000, 0.9, 0.1),
                                  ("weak_covariate", 500, 0.2, 0.3),
                                  ("small_n", 8, 0.7, 1.0)):
        def arm(k, eff):
            x = rng.normal(10, 3, k)
            noise = rng.normal(0, 3 * math.sqrt(1 - corr * corr), k)
            return x, 2 + corr * (x - 10) + 10 + noise + eff
        xc, yc = arm(n, 0.0)
        xt, yt = arm(n + n // 10, effect)
        cases.append(cuped_case(name, xc, yc, xt, yt))
    return cases


def best_rho(target_n, alpha):
    """rho minimising the CS width at target_n: rho^2 = (-W_{-1}(-alpha^2/e) - 1) / target_n."""
    u = -special.lambertw(-alpha * alpha / math.e, k=-1).real
    return math.sqrt((u - 1) / target_n)


def cs_look(c, t, alpha, rho):
    nc, nt = c.size, t.size
    n = nc + nt
    est = float(np.mean(t) - np.mean(c))
    var_est = float(np.var(t, ddof=1)) / nt + float(np.var(c, ddof=1)) / nc
    se = math.sqrt(var_est)
    u = n * rho * rho + 1
    half = se * math.sqrt(2 * u / (n * rho * rho) * math.log(math.sqrt(u) / alpha))
    p = min(1.0, math.sqrt(u) * math.exp(-(est / se) ** 2 * (n * rho * rho) / (2 * u)))
    return {"control": summary(c), "treatment": summary(t), "estimate": est, "se": se,
            "ci_low": est - half, "ci_high": est + half, "pvalue": p}


def sequential_cases():
    rng = np.random.default_rng(99)
    cases = []
    for name, effect, target in (("null_effect", 0.0, 4000), ("real_effect", 0.25, 2000)):
        alpha = 0.05
        rho = best_rho(target, alpha)
        c = rng.normal(5, 2, 3000)
        t = rng.normal(5 + effect, 2, 3000)
        looks = []
        running = 1.0
        for k in (10, 50, 200, 1000, 3000):
            look = cs_look(c[:k], t[: k - k // 10], alpha, rho)
            running = min(running, look["pvalue"])
            look["running_pvalue"] = running
            looks.append(look)
        cases.append({"name": name, "alpha": alpha, "target_n": target, "rho": rho, "looks": looks})
    return cases


def tight_root(f, lo, hi):
    return optimize.brentq(f, lo, hi, xtol=1e-300, rtol=4 * np.finfo(float).eps, maxiter=500)


def nct_sf_mp(x, df, nc):
    """Noncentral t survival function P(T > x) at 40 digits, to judge scipy's precision.

    T = (Z + nc) / sqrt(V / df) with Z standard normal and V chi-square(df). For x > 0,
    T > x exactly when Z + nc > 0 and V < df ((Z + nc) / x)^2; for x < 0 use the
    mirror identity P(T > x) = 1 - P(-T > -x), where -T has noncentrality -nc.
    The integrand steps from 0 to 1 near Z + nc = x over a width of about
    x / sqrt(2 df), so the quadrature gets breakpoints across that step.
    """
    mpmath.mp.dps = 40
    if x < 0:
        return 1 - nct_sf_mp(-x, df, -nc)
    x, df, nc = mpmath.mpf(x), mpmath.mpf(df), mpmath.mpf(nc)

    def integrand(z):
        w = z + nc
        if w <= 0:
            return mpmath.mpf(0)
        upper = mpmath.gammainc(df / 2, df * (w / x) ** 2 / 2, mpmath.inf, regularized=True)
        return mpmath.npdf(z) * (1 - upper)
    step = mpmath.sqrt(1 / (2 * df))
    # The normal density is below 1e-340 past 40 standard deviations.
    points = {-nc, -nc + 1, -nc + 5, -nc + 12, -nc + 40}
    points |= {x * (1 + k * step) - nc for k in range(-12, 13) if 1 + k * step > 0}
    points = sorted(p for p in points if -nc <= p <= -nc + 40)
    value, err = mpmath.quad(integrand, points, error=True)
    assert err < mpmath.mpf(10) ** -25, (float(x), float(df), float(nc), err)
    return value


def power_means_cases():
    tt = TTestIndPower()
    cases = []
    for d, n1, ratio, alpha in ((0.5, 64, 1, 0.05), (0.2, 394, 1, 0.05), (0.1, 1000, 2, 0.01),
                                (0.8, 10, 1, 0.1), (0.05, 20000, 0.5, 0.05), (1.2, 4, 1, 0.05)):
        pw = float(tt.power(effect_size=d, nobs1=n1, alpha=alpha, ratio=ratio))
        nobs = 1 / (1 / n1 + 1 / (n1 * ratio))
        dfree = n1 + n1 * ratio - 2
        crit = t_critical_mp(alpha, dfree)
        ncp = d * math.sqrt(nobs)
        mp_pw = float(nct_sf_mp(crit, dfree, ncp) + 1 - nct_sf_mp(-crit, dfree, ncp))
        cases.append({"effect_size": d, "nobs1": n1, "ratio": ratio, "alpha": alpha,
                      "power": pw, "power_mpmath": mp_pw, "t_critical_mpmath": float(crit),
                      "t_critical_scipy": float(st.t.isf(alpha / 2, dfree))})
    return cases


def sample_size_means_cases():
    tt = TTestIndPower()
    cases = []
    for d, power, ratio, alpha in ((0.5, 0.8, 1, 0.05), (0.2, 0.9, 1, 0.05), (0.1, 0.8, 2, 0.01),
                                   (0.05, 0.8, 1, 0.05), (1.5, 0.8, 1, 0.05)):
        sm = float(tt.solve_power(effect_size=d, power=power, alpha=alpha, ratio=ratio))
        exact = tight_root(lambda n: tt.power(effect_size=d, nobs1=n, alpha=alpha, ratio=ratio) - power,
                           2.0001, 1e9)
        cases.append({"effect_size": d, "power": power, "ratio": ratio, "alpha": alpha,
                      "nobs1_statsmodels": sm, "nobs1": exact})
    return cases


def mde_means_cases():
    tt = TTestIndPower()
    cases = []
    for n1, power, ratio, alpha in ((100, 0.8, 1, 0.05), (5000, 0.9, 1, 0.05), (30, 0.8, 3, 0.1)):
        sm = float(tt.solve_power(nobs1=n1, power=power, alpha=alpha, ratio=ratio))
        exact = tight_root(lambda d: tt.power(effect_size=d, nobs1=n1, alpha=alpha, ratio=ratio) - power,
                           1e-6, 50)
        cases.append({"nobs1": n1, "power": power, "ratio": ratio, "alpha": alpha,
                      "effect_size_statsmodels": sm, "effect_size": exact})
    return cases


def proportion_power_cases():
    ni = NormalIndPower()
    power_cases, size_cases, mde_cases = [], [], []
    for p1, p2, n1, ratio, alpha in ((0.10, 0.12, 3000, 1, 0.05), (0.5, 0.55, 800, 1, 0.05),
                                     (0.02, 0.025, 50000, 2, 0.01), (0.3, 0.2, 200, 1, 0.1)):
        h = float(proportion_effectsize(p2, p1))
        power_cases.append({"p1": p1, "p2": p2, "h": h, "nobs1": n1, "ratio": ratio, "alpha": alpha,
                            "power": float(ni.power(effect_size=h, nobs1=n1, alpha=alpha, ratio=ratio))})
    for p1, p2, power, ratio, alpha in ((0.10, 0.12, 0.8, 1, 0.05), (0.05, 0.055, 0.9, 1, 0.05),
                                        (0.5, 0.6, 0.8, 0.5, 0.01), (0.3, 0.2, 0.8, 1, 0.05)):
        h = float(proportion_effectsize(p2, p1))
        sm = float(ni.solve_power(effect_size=h, power=power, alpha=alpha, ratio=ratio))
        exact = tight_root(lambda n: ni.power(effect_size=h, nobs1=n, alpha=alpha, ratio=ratio) - power,
                           1e-3, 1e12)
        size_cases.append({"p1": p1, "p2": p2, "power": power, "ratio": ratio, "alpha": alpha,
                           "nobs1_statsmodels": sm, "nobs1": exact})
    for p1, n1, power, ratio, alpha in ((0.10, 5000, 0.8, 1, 0.05), (0.5, 400, 0.9, 1, 0.05)):
        h = tight_root(lambda e: ni.power(effect_size=e, nobs1=n1, alpha=alpha, ratio=ratio) - power, 1e-9, 3)
        p2 = math.sin(math.asin(math.sqrt(p1)) + h / 2) ** 2
        mde_cases.append({"p1": p1, "nobs1": n1, "power": power, "ratio": ratio, "alpha": alpha,
                          "h": h, "p2": p2})
    return power_cases, size_cases, mde_cases


def main():
    # scipy warns of "catastrophic cancellation" on large_offset (a heuristic:
    # its two-pass variance is fine there), and statsmodels' solve_power probes
    # the noncentral t at invalid points while bracketing. Neither affects a
    # value written here.
    warnings.filterwarnings("ignore", category=RuntimeWarning)
    pp, ps, pm = proportion_power_cases()
    ref = {
        "generator": "internal/engine/stats/testdata/make_reference.py",
        "versions": {"python": sys.version.split()[0], "numpy": np.__version__, "scipy": scipy.__version__,
                     "statsmodels": statsmodels.__version__, "mpmath": mpmath.__version__},
        "student_t": student_t_cases(),
        "welch": welch_cases(),
        "proportions": proportion_cases(),
        "srm": srm_cases(),
        "cuped": cuped_cases(),
        "sequential": sequential_cases(),
        "power_means": power_means_cases(),
        "sample_size_means": sample_size_means_cases(),
        "mde_means": mde_means_cases(),
        "power_proportions": pp,
        "sample_size_proportions": ps,
        "mde_proportions": pm,
    }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "reference.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(ref, f, indent=1, allow_nan=False)
        f.write("\n")
    print("wrote", path)


if __name__ == "__main__":
    main()
