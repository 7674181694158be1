"""Array-level maths, checked against independent implementations (scipy, plain loops)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats as sps

from aicap.index import aggregate as ag
from aicap.index import impute as im
from aicap.index import normalise as nm
from aicap.index import treat as tr
from aicap.index.stats import kurt, rank_min, skew

RNG = np.random.default_rng(42)


def test_skew_kurt_are_e1071_type2() -> None:
    x = RNG.lognormal(size=(40, 3))
    x[3, 1] = np.nan
    for j in range(3):
        col = x[:, j][~np.isnan(x[:, j])]
        assert skew(x)[j] == pytest.approx(sps.skew(col, bias=False), rel=1e-12)
        assert kurt(x)[j] == pytest.approx(sps.kurtosis(col, bias=False), rel=1e-12)
    assert np.isnan(skew(np.ones((2, 1)) * [[1.0], [2.0]]))[0]


def test_minmax_and_zscore() -> None:
    x = np.array([[1.0, 10], [2, np.nan], [4, 30]])
    y = nm.n_minmax(x, l_u=(0, 100))
    np.testing.assert_allclose(y, [[0, 0], [100 / 3, np.nan], [100, 100]])
    z = nm.n_zscore(x, m_sd=(10, 2))
    np.testing.assert_allclose(z[:, 0], (x[:, 0] - x[:, 0].mean()) / x[:, 0].std(ddof=1) * 2 + 10)


def test_ranks_borda_prank_with_ties_and_nan() -> None:
    x = np.array([[3.0], [1.0], [3.0], [np.nan], [2.0]])
    np.testing.assert_array_equal(nm.n_rank(x)[:, 0], [3, 1, 3, np.nan, 2])
    np.testing.assert_array_equal(nm.n_borda(x)[:, 0], [2, 0, 2, np.nan, 1])
    np.testing.assert_allclose(nm.n_prank(x)[:, 0], [2 / 3, 0, 2 / 3, np.nan, 1 / 3])


def test_goalposts_truncate_and_scale() -> None:
    x = np.array([[-5.0], [0.0], [5.0], [20.0]])
    y = nm.n_goalposts(x, gposts=np.array([[0.0], [10.0]]), scale=100)
    np.testing.assert_allclose(y[:, 0], [0, 0, 50, 100])


def test_distance_methods() -> None:
    x = np.array([[1.0], [3.0], [5.0]])
    np.testing.assert_allclose(
        nm.n_dist2targ(x, targ=np.array([4.0]), cap_max=True)[:, 0], [0, 2 / 3, 1]
    )
    np.testing.assert_allclose(nm.n_dist2ref(x, iref=1)[:, 0], [0, 1, 2])
    np.testing.assert_allclose(nm.n_dist2max(x)[:, 0], [0, 0.5, 1])
    np.testing.assert_allclose(nm.n_fracmax(x)[:, 0], [0.2, 0.6, 1])
    np.testing.assert_allclose(nm.n_scaled(x, npara=(1, 5), scale_factor=10)[:, 0], [0, 5, 10])


def _membership() -> np.ndarray:
    w = np.zeros((4, 2))
    w[:2, 0] = [1.0, 3.0]
    w[2:, 1] = [2.0, 2.0]
    return w


def test_means_match_scipy_per_group() -> None:
    x = RNG.uniform(1, 100, size=(6, 4))
    w = _membership()
    for j, cols in enumerate([[0, 1], [2, 3]]):
        wj = w[cols, j]
        np.testing.assert_allclose(
            ag.a_amean(x, w)[:, j], np.average(x[:, cols], axis=1, weights=wj)
        )
        np.testing.assert_allclose(
            ag.a_gmean(x, w)[:, j], sps.gmean(x[:, cols], axis=1, weights=wj)
        )
        np.testing.assert_allclose(
            ag.a_hmean(x, w)[:, j], sps.hmean(x[:, cols], axis=1, weights=wj)
        )
        np.testing.assert_allclose(
            ag.a_genmean(x, w, p=2)[:, j],
            sps.pmean(x[:, cols], 2, axis=1, weights=wj),
        )


def test_amean_skips_missing_and_renormalises() -> None:
    x = np.array([[10.0, np.nan, 1, 1], [np.nan, np.nan, 1, 1]])
    y = ag.a_amean(x, _membership())
    assert y[0, 0] == 10.0 and np.isnan(y[1, 0])


def test_aggregators_broadcast_over_replications() -> None:
    x = RNG.uniform(1, 2, size=(5, 4))
    w = np.stack([_membership(), _membership() * [[2.0], [1], [1], [1]]])
    y = ag.a_gmean(x, w)
    assert y.shape == (2, 5, 2)
    np.testing.assert_allclose(y[1], ag.a_gmean(x, w[1]))


def test_copeland_matches_loop_definition() -> None:
    x = RNG.integers(0, 4, size=(7, 4)).astype(float)
    w = _membership()
    got = ag.a_copeland(x, w)
    for j, cols in enumerate([[0, 1], [2, 3]]):
        wj = w[cols, j] / w[cols, j].sum()
        n = len(x)
        orm = np.zeros((n, n))
        for a in range(n):
            for b in range(a + 1, n):
                orm[a, b] = (
                    wj[x[a, cols] > x[b, cols]].sum() + wj[x[a, cols] == x[b, cols]].sum() / 2
                )
                orm[b, a] = 1 - orm[a, b]
        s = np.where(orm > 0.5, 1, np.where(orm < 0.5, -1, 0))
        np.fill_diagonal(s, 0)
        np.testing.assert_array_equal(got[:, j], s.sum(axis=1))


def test_gmean_rejects_non_positive() -> None:
    with pytest.raises(Exception, match="zero or negative"):
        ag.a_gmean(np.array([[0.0, 1, 1, 1]]), _membership())


def test_group_mean_and_median() -> None:
    x = np.array([[1.0], [np.nan], [3.0], [10.0], [np.nan], [20.0], [np.nan]])
    g = np.array([0, 0, 0, 1, 1, 1, -1])
    np.testing.assert_allclose(im.i_mean_grp(x, groups=g)[:, 0], [1, 2, 3, 10, 15, 20, np.nan])
    np.testing.assert_allclose(im.i_median_grp(x, groups=g)[:, 0], [1, 2, 3, 10, 15, 20, np.nan])
    np.testing.assert_allclose(im.i_mean(x)[1, 0], np.nanmean(x))


def test_panel_imputation_rules() -> None:
    # times 2018..2022 for one unit, one indicator
    cube = np.array([np.nan, 2.0, np.nan, np.nan, 8.0, np.nan]).reshape(6, 1, 1)
    times = np.array([2017, 2018, 2019, 2020, 2021, 2022.0])
    np.testing.assert_allclose(im.panel_latest(cube, times)[:, 0, 0], [np.nan, 2, 2, 2, 8, 8])
    np.testing.assert_allclose(
        im.panel_latest(cube, times, max_time=1)[:, 0, 0], [np.nan, 2, 2, np.nan, 8, 8]
    )
    np.testing.assert_allclose(im.panel_constant(cube, times)[:, 0, 0], [2, 2, 2, 2, 8, 8])
    np.testing.assert_allclose(im.panel_linear(cube, times)[:, 0, 0], [2, 2, 4, 6, 8, 8])


@pytest.mark.parametrize("fn", [im.i_knn, im.i_iterative])
def test_multivariate_imputers_fill_only_missing(fn: object) -> None:
    base = RNG.normal(size=(30, 1))
    x = np.hstack([base, 2 * base + 0.01 * RNG.normal(size=(30, 1)), RNG.normal(size=(30, 1))])
    x_miss = x.copy()
    x_miss[[2, 5, 9], 1] = np.nan
    y = fn(x_miss)  # type: ignore[operator]
    known = ~np.isnan(x_miss)
    np.testing.assert_array_equal(y[known], x_miss[known])
    assert not np.isnan(y).any()
    # strongly correlated column: the imputed values track the truth
    assert np.abs(y[[2, 5, 9], 1] - x[[2, 5, 9], 1]).max() < 1.0


def test_winsorise_stops_at_winmax_and_records_points() -> None:
    x = np.r_[np.arange(20.0), 1000.0, 2000.0, 3000.0][:, None]
    y, imax, _imin, nwin = tr.winsorise_columns(x, winmax=5)
    assert nwin[0] <= 5 and imax.sum() == nwin[0]
    assert y.max() < 3000 and (y[~imax] == x[~imax]).all()


def test_default_treatment_falls_back_to_log() -> None:
    x = np.r_[np.ones(30), np.geomspace(10, 1e6, 10)][:, None]
    y, flags = tr.treat_default(x, winmax=2)
    lo, hi = x.min(), x.max()
    np.testing.assert_allclose(y[:, 0], np.log(x[:, 0] - lo + 0.01 * (hi - lo)))
    assert set(flags[:, 0]) == {"log_CT"}


def test_boxcox_and_logs() -> None:
    x = np.array([[1.0], [2.0], [5.0]])
    y, _ = tr.boxcox(x, lmda=0.5)
    np.testing.assert_allclose(y[:, 0], (np.array([1, 2, 5.0]) ** 0.5 - 1) / 0.5)
    y, _ = tr.log_ct_orig(x)
    np.testing.assert_allclose(y[:, 0], np.log([1, 2, 5.0]))
    y, flags = tr.boxcox_mle(RNG.lognormal(size=(50, 1)))
    assert abs(skew(y)[0]) < 0.5 and str(flags[0, 0]).startswith("boxcox(")


def test_rank_min_matches_scipy() -> None:
    x = RNG.integers(0, 5, size=(20, 3)).astype(float)
    np.testing.assert_array_equal(rank_min(x), sps.rankdata(x, method="min", axis=0))
