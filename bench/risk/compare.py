"""Compares fanzha's risk models with scikit-learn LogisticRegression and LightGBM on the same exported rows.

Usage: compare.py OUT FIRST_TEST_WEEK   (OUT as written by bench/risk/run.sh: export/, eval-*.json, district/truth/)
Fits on the `fit` rows of export/features.csv (exactly the rows fanzha fitted on), evaluates on the `test` rows
(every resident-week of the held-out weeks), and prints a Markdown table plus truth-ranking figures.
"""

import datetime as dt
import json
import sys
import time
from pathlib import Path

import lightgbm as lgb
import numpy as np
import pandas as pd
from scipy.stats import spearmanr
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

GENERATOR_START = dt.date(2025, 12, 1)  # 2025-W49, the generator's first Monday


def week_index(iso: str) -> int:
    year, week = iso.split("-W")
    monday = dt.date.fromisocalendar(int(year), int(week), 1)
    return (monday - GENERATOR_START).days // 7


def top_decile_share(df: pd.DataFrame, col: str) -> float:
    """Share of the test weeks' victims whose score is in their week's top 10% (ties broken by row order)."""
    hits = 0
    for _, g in df.groupby("week", sort=False):
        order = np.argsort(-g[col].to_numpy(), kind="stable")
        top = np.zeros(len(g), dtype=bool)
        top[order[: len(g) // 10]] = True
        hits += int((top & (g["label"].to_numpy() == 1)).sum())
    return hits / max(int(df["label"].sum()), 1)


def main() -> None:
    out, first = Path(sys.argv[1]), sys.argv[2]
    t0 = time.perf_counter()
    df = pd.read_csv(out / "export" / "features.csv", dtype={"resident_id": str, "week": str, "split": str})
    load_s = time.perf_counter() - t0
    features = [c for c in df.columns if c not in ("resident_id", "week", "split", "label")]
    fit, test = df[df["split"] == "fit"], df[df["split"] == "test"].copy()
    xf, yf = fit[features].to_numpy(), fit["label"].to_numpy()
    xt, yt = test[features].to_numpy(), test["label"].to_numpy()
    print(f"features.csv: {len(df):,} rows read in {load_s:.1f}s; fit {len(fit):,} rows ({yf.sum()} victims), "
          f"test {len(test):,} resident-weeks ({yt.sum()} victims), {len(features)} features\n")

    rows = []
    evals = {}
    for model in ("logistic", "forest"):
        path = out / f"eval-{model}.json"
        if not path.exists():
            continue
        ev = json.loads(path.read_text())
        evals[model] = ev
        s = pd.read_csv(out / "export" / f"scores-{model}.csv", dtype={"resident_id": str, "week": str})
        test = test.merge(s.rename(columns={"score": model}), on=["resident_id", "week"], how="left")
        assert test[model].notna().all(), f"scores-{model}.csv does not cover the test rows"
        rows.append((f"fanzha {model}", test[model].to_numpy(), ev["fit_seconds"], ev["train_seconds"]))

    def timed_fit(est):
        t = time.perf_counter()
        est.fit(xf, yf)
        return time.perf_counter() - t

    sk = make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=2000))
    sk_s = timed_fit(sk)
    test["sklearn_lr"] = sk.predict_proba(xt)[:, 1]
    rows.append(("scikit-learn LogisticRegression", test["sklearn_lr"].to_numpy(), sk_s, None))
    # One thread, as our learners: OpenMP spin-waiting on a shared 2-core machine made multi-threaded fits slower.
    gbm_default = lgb.LGBMClassifier(verbose=-1, random_state=1, n_jobs=1)
    gd_s = timed_fit(gbm_default)
    test["lgbm_default"] = gbm_default.predict_proba(xt)[:, 1]
    rows.append(("LightGBM (defaults)", test["lgbm_default"].to_numpy(), gd_s, None))
    gbm = lgb.LGBMClassifier(n_estimators=400, learning_rate=0.03, num_leaves=15, min_child_samples=50,
                             subsample=0.8, subsample_freq=1, colsample_bytree=0.8, reg_lambda=1.0,
                             verbose=-1, random_state=1, n_jobs=1)
    g_s = timed_fit(gbm)
    test["lgbm"] = gbm.predict_proba(xt)[:, 1]
    rows.append(("LightGBM (400 trees, 15 leaves, lr 0.03)", test["lgbm"].to_numpy(), g_s, None))

    # Truth: the generator's weekly risk without outreach, for the same resident-weeks.
    truth = pd.read_csv(out / "district" / "truth" / "resident_risk.csv", usecols=["resident_id", "week", "risk_none"],
                        dtype={"resident_id": str})
    iso = {w: week_index(w) for w in test["week"].unique()}
    test["week_index"] = test["week"].map(iso)
    test = test.merge(truth.rename(columns={"week": "week_index"}), on=["resident_id", "week_index"], how="left")
    have_truth = test["risk_none"].notna().all()

    print("| model | ROC-AUC | PR-AUC | learner fit s | ratio to sklearn LR | Spearman vs truth | victims in top decile |")
    print("|---|---|---|---|---|---|---|")
    cols = {"fanzha logistic": "logistic", "fanzha forest": "forest", "scikit-learn LogisticRegression": "sklearn_lr",
            "LightGBM (defaults)": "lgbm_default", "LightGBM (400 trees, 15 leaves, lr 0.03)": "lgbm"}
    aucs = {}
    for name, scores, fit_s, total_s in rows:
        auc, ap = roc_auc_score(yt, scores), average_precision_score(yt, scores)
        aucs[name] = auc
        rho = spearmanr(test[cols[name]], test["risk_none"]).statistic if have_truth else float("nan")
        share = top_decile_share(test, cols[name])
        fit_txt = f"{fit_s:.2f}" + (f" (train incl. features + calibration {total_s:.1f})" if total_s else "")
        print(f"| {name} | {auc:.4f} | {ap:.4f} | {fit_txt} | {fit_s / sk_s:.2f} | {rho:.3f} | {share:.3f} |")
    best = max(aucs[n] for n in aucs if n.startswith("fanzha"))
    lgbm_best = max(aucs[n] for n in aucs if n.startswith("LightGBM"))
    sk_auc = aucs["scikit-learn LogisticRegression"]
    print(f"\nbest fanzha ROC-AUC {best:.4f}; best LightGBM {lgbm_best:.4f} (gap {lgbm_best - best:+.4f}, goal ≤ 0.01); "
          f"sklearn LR {sk_auc:.4f} (fanzha − sklearn {best - sk_auc:+.4f}, goal ≥ −0.002)")
    print(f"truth: generator risk_none over the test weeks ({first}..), {'joined' if have_truth else 'MISSING'}")


if __name__ == "__main__":
    main()
