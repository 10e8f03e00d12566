"""A member's caveats as eligibility masks: which of its units' shots a rule blocks.

Where it sits: coalition, below the scenario; :func:`~.gates.build_gates` puts a
:class:`CaveatMask` in the :class:`~.gates.Gates` the pipeline asks about every candidate shot
(a :class:`PairQuery`).

**Caveats.** Each caveat a member has is one rule, named ``MEMBER:threat_classes``,
``MEMBER:protect_assets`` or ``MEMBER:engage_only_in``; a shot by one of its units is blocked by
the first of its rules that fails (in that order), and :class:`CaveatMask` evaluates all of them
on the arrays of a :class:`PairQuery` at once. ``engage_only_in`` is judged at the
intercept point: its geodetic latitude and longitude are tested against every region polygon
(even-odd ray crossing: W. R. Franklin, *PNPOLY*, 1970s, after M. Shimrat, "Algorithm 112:
Position of point relative to polygon", CACM 5(8), 1962), with the polygon's edges straight in
(latitude, longitude) degrees -- adequate for regions of a few hundred kilometres that do not
cross the antimeridian or a pole. The point must lie, in every region containing it, where the
member may engage: regions it owns (``own_airspace``), regions listed, regions it holds an
``engage`` grant for at the time of the shot (``where_granted``, grants' windows ``[from,
until)``); or, outside every region, only if ``outside_regions``. ``transit`` grants do not gate
shots (interceptor fly-out through airspace is not modelled). The polygon test is
:func:`inkless.physics.polygon.inside_polygons`; latitude is Bowring's
(:func:`inkless.physics.geodesy.geodetic_from_ecef_bowring`).
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

import numpy as np

from inkless.arrays import F64, I64, B
from inkless.physics.geodesy import geodetic_from_ecef_bowring
from inkless.physics.polygon import crossings, edge_one_hot, inside_polygons
from inkless.units import DEG

from .members import THREAT_CLASSES, AirspaceGrant, Member, grant_window_s

__all__ = [
    "CAVEAT_KINDS",
    "CaveatMask",
    "PairQuery",
    "RegionShape",
    "caveat_mask",
    "caveat_rules",
    "rule_member",
]

#: The caveats that gate shots, in the order they are checked.
CAVEAT_KINDS: tuple[str, ...] = ("threat_classes", "protect_assets", "engage_only_in")


@dataclass(frozen=True)
class PairQuery:
    """Candidate shots at time ``t`` (s): ``m`` units x ``k`` threats.

    ``member (m,)`` index of each unit's member; ``threat_cls (k,)`` class index (ballistic 0,
    cruise 1, drone 2); ``asset (k,)`` the asset each threat endangers (-1: none);
    ``point (m, k, 3)`` ECEF metres of each intercept (NaN where infeasible).
    """

    t: float
    unit: I64
    member: I64
    threat_cls: I64
    asset: I64
    point: F64


@dataclass(frozen=True)
class RegionShape:
    """A region: its id, its owner (member id or third state) and its polygon's vertices in
    degrees (``lat_deg``, ``lon_deg``, same length, at least 3, closed implicitly)."""

    id: str
    owner: str
    lat_deg: tuple[float, ...]
    lon_deg: tuple[float, ...]


def rule_member(rule: str) -> str:
    """The member id of a rule name ``MEMBER:kind``."""
    return rule.split(":", 1)[0]


def caveat_rules(members: Sequence[Member]) -> list[str]:
    """The caveat rules of the coalition, ``MEMBER:kind``, in checking order."""
    out = []
    for m in members:
        cav = m.rules.caveats
        for kind in CAVEAT_KINDS:
            if getattr(cav, kind) is not None:
                out.append(f"{m.id}:{kind}")
    return out


@dataclass(frozen=True)
class CaveatMask:
    """The coalition's caveats as arrays; called with a :class:`PairQuery`, returns the
    ``(m, k)`` rule codes (0 allowed, ``1 + r`` blocked first by rule ``r``), all pairs at once.

    ``code (members, 3)``: ``1 + r`` of each member's threat-class, asset and area rule (0: none).
    Per member: ``class_ok (members, 3)``, ``asset_ok (members, assets)``, ``area_ok (members,
    regions)`` (regions owned or listed), ``where_granted``, ``outside_ok (members,)``. Engage
    grants: ``grant_member``, ``grant_region``, ``grant_from``, ``grant_until`` (seconds since
    the epoch). Region outlines as edges in radians: ``edges (E, 4)`` rows ``(lat0, lon0, lat1,
    lon1)``, ``edge_region (E,)``. A plain frozen record of arrays, so gates can be sent to
    worker processes.
    """

    code: I64
    class_ok: B
    asset_ok: B
    area_ok: B
    where_granted: B
    outside_ok: B
    grant_member: I64
    grant_region: I64
    grant_from: F64
    grant_until: F64
    edges: F64
    edge_region: I64

    def allowed_regions(self, t: float) -> B:
        """``(members, regions)`` where each member may engage at time ``t`` (s)."""
        ok = self.area_ok.copy()
        g = (self.grant_from <= t) & (t < self.grant_until)
        g &= self.where_granted[self.grant_member]
        ok[self.grant_member[g], self.grant_region[g]] = True
        return ok

    def never_blocks(self, member: I64, threat_cls: I64, asset: I64, clear: B | None = None) -> B:
        """``(m, k)`` whether no rule can block a shot of a unit of ``member (m,)`` at a threat
        of class ``threat_cls (k,)`` endangering ``asset (k,)`` (-1: none): its class and asset
        rules pass, and it has no area rule or (given ``clear (members, k)``: whether each
        member's area rule allows every point where the shot may meet each threat, e.g. from
        :meth:`area_blocks`) its area rule allows them."""
        member = np.asarray(member, dtype=np.int64)
        out: B = self.class_ok[member][:, threat_cls]
        if self.asset_ok.shape[1]:
            asset = np.asarray(asset, dtype=np.int64)
            out &= self.asset_ok[member][:, np.maximum(asset, 0)] | (asset < 0)
        area = (self.code[member, 2] > 0)[:, None]
        return out & (~area if clear is None else ~area | clear[member])

    def area_blocks(self, regions: I64, t: float) -> B:
        """``(members, *regions.shape)`` whether each member's area rule blocks a shot meeting
        its threat at time ``t`` (s) at a point in ``regions`` (:meth:`region_bits`; -1: no
        point there, never blocked), as :meth:`__call__` judges it; False without an area
        rule."""
        bits = np.asarray(regions)  # any signed integer type holding -1 and the region bits
        allowed = self.allowed_regions(t).astype(np.int64)
        mine = (allowed << np.arange(allowed.shape[1], dtype=np.int64)).sum(axis=1)
        out = np.zeros((len(mine), *bits.shape), bool)
        for m in np.flatnonzero(self.code[:, 2] > 0).tolist():
            barred = bits & ~int(mine[m]) != 0  # in a region it may not engage in
            out[m] = np.where(bits == 0, ~self.outside_ok[m], barred) & (bits >= 0)
        return out

    def region_bits(self, ecef: F64) -> I64:
        """``(P,)`` the regions containing each point (ECEF m, ``(P, 3)``) as bits (bit ``r``:
        region ``r``; 0: outside every region), as :meth:`__call__` judges them (Bowring's
        latitude, the even-odd rule). At most 62 regions."""
        lat, lon, _ = geodetic_from_ecef_bowring(np.asarray(ecef, dtype=float))
        out: I64 = np.zeros(len(lat), np.int64)
        for r in range(self.area_ok.shape[1]):
            e = self.edges[self.edge_region == r]
            if not len(e):
                continue
            # only the points in the region's box (widened: rounding cannot bring a point
            # beyond it inside); each the even-odd test of inside(), on the same edges
            lo, hi = e[:, 1::2].min() - 1e-9, e[:, 1::2].max() + 1e-9
            box = (lon >= lo) & (lon <= hi)
            lo, hi = e[:, 0::2].min() - 1e-9, e[:, 0::2].max() + 1e-9
            box = np.flatnonzero(box & (lat >= lo) & (lat <= hi))
            hits = crossings(lon[box], lat[box], e[:, 1], e[:, 0], e[:, 3], e[:, 2])
            out[box[np.count_nonzero(hits, axis=0) % 2 == 1]] |= 1 << r
        return out

    @cached_property
    def _tables(self) -> _MaskTables:
        """The run's constant tables that :meth:`__call__` reads (built on first use)."""
        code = self.code
        na = self.asset_ok.shape[1]
        cls_code = np.where(~self.class_ok & (code[:, :1] > 0), code[:, :1], 0)  # (members, 3)
        asset_code = np.zeros((len(code), na + 1), dtype=np.int64)  # column 0: no asset
        asset_code[:, 1:] = np.where(~self.asset_ok & (code[:, 1:2] > 0), code[:, 1:2], 0)
        first = np.where(cls_code[:, :, None] > 0, cls_code[:, :, None], asset_code[:, None, :])
        breaks = sorted({*self.grant_from.tolist(), *self.grant_until.tolist()})
        starts = [-math.inf, *breaks]  # a time in each interval between the grants' bounds
        e = self.edges
        return _MaskTables(
            ruled=code.max(axis=1) > 0, first=first, breaks=breaks,
            barred=[~self.allowed_regions(s) for s in starts], outside_bad=~self.outside_ok,
            edges=(e[:, 1], e[:, 0], e[:, 3], e[:, 2]),
            one_hot=edge_one_hot(self.edge_region, self.area_ok.shape[1]))

    def __call__(self, q: PairQuery) -> I64:
        """The ``(m, k)`` rule codes of the query's pairs (class docstring): each pair with an
        intercept (finite point) of a unit whose member has a rule takes its first class or
        asset rule that fails (a table of the run), else, judged at its point only then, its
        area rule if that fails."""
        tab = self._tables
        member = np.asarray(q.member, dtype=np.int64)
        point = np.asarray(q.point, dtype=float)
        out = np.zeros((len(member), len(q.threat_cls)), dtype=np.int64)
        ui, tj = np.nonzero(np.isfinite(point[..., 0]) & tab.ruled[member][:, None])
        if len(ui) == 0:
            return out
        mem = member[ui]
        c = tab.first[mem, np.asarray(q.threat_cls, dtype=np.int64)[tj],
                      np.asarray(q.asset, dtype=np.int64)[tj] + 1]
        area = self.code[mem, 2]
        judged = np.flatnonzero((area > 0) & (c == 0))
        if judged.size:
            who = mem[judged]
            fail = tab.outside_bad[who]  # (no region holds the point)
            if len(self.edges):
                lat, lon, _ = geodetic_from_ecef_bowring(point[ui[judged], tj[judged]])
                inside = inside_polygons(lon, lat, *tab.edges, tab.one_hot)  # (regions, P')
                barred = tab.barred[bisect.bisect_right(tab.breaks, q.t)][who].T
                fail = np.where(inside.any(axis=0), (inside & barred).any(axis=0), fail)
            c[judged] = np.where(fail, area[judged], 0)
        out[ui, tj] = c
        return out


@dataclass(frozen=True)
class _MaskTables:
    """What a :class:`CaveatMask` computes once per run: whether each member has a rule
    (``ruled (members,)``); ``first (members, 3, assets + 1)`` the code of the first class or
    asset rule failing for a threat of each class endangering each asset (column 0: none);
    the region each member may not engage in, ``barred[i] (members, regions)``, while the
    grants in force are those of the interval ``i = bisect_right(breaks, t)`` between the
    grants' bounds ``breaks`` (s); ``outside_bad (members,)`` a point outside every region
    fails; the edges as :func:`inkless.physics.polygon.crossings` takes them (longitude,
    latitude: rad) and ``one_hot (regions, E)`` the region of each edge."""

    ruled: B
    first: I64
    breaks: list[float]
    barred: list[B]
    outside_bad: B
    edges: tuple[F64, F64, F64, F64]
    one_hot: F64


def caveat_mask(
    members: Sequence[Member],
    rules: Sequence[str],
    regions: Sequence[RegionShape],
    grants: Sequence[AirspaceGrant],
    asset_names: Sequence[str],
    epoch: datetime,
) -> CaveatMask:
    """The caveat ``rules`` (``MEMBER:kind``, from :func:`caveat_rules`) of ``members`` as a
    :class:`CaveatMask`: ``regions`` with polygons, ``engage`` grants with windows converted with
    ``epoch``, ``asset_names`` in the order of the asset index."""
    index = {m.id: i for i, m in enumerate(members)}
    region_index = {r.id: i for i, r in enumerate(regions)}
    nm, nr, na = len(members), len(regions), len(asset_names)
    code = np.zeros((nm, len(CAVEAT_KINDS)), dtype=np.int64)
    for r, rule in enumerate(rules):
        code[index[rule_member(rule)], CAVEAT_KINDS.index(rule.split(":", 1)[1])] = r + 1
    class_ok = np.ones((nm, len(THREAT_CLASSES)), dtype=bool)
    asset_ok = np.ones((nm, na), dtype=bool)
    area_ok = np.zeros((nm, nr), dtype=bool)
    where_granted = np.zeros(nm, dtype=bool)
    outside_ok = np.ones(nm, dtype=bool)
    for i, m in enumerate(members):
        cav = m.rules.caveats
        if cav.threat_classes is not None:
            class_ok[i] = [c in cav.threat_classes for c in THREAT_CLASSES]
        if cav.protect_assets is not None:
            asset_ok[i] = [a in cav.protect_assets for a in asset_names]
        area = cav.engage_only_in
        if area is not None:
            for j, reg in enumerate(regions):
                area_ok[i, j] = (area.own_airspace and reg.owner == m.id) or reg.id in area.regions
            where_granted[i] = area.where_granted
            outside_ok[i] = area.outside_regions
    engage = [
        (g, grant_window_s(g, epoch))
        for g in grants
        if g.what == "engage" and g.grantee_member in index and g.region_id in region_index
    ]
    edges, edge_region = [], []
    for j, reg in enumerate(regions):
        la = np.asarray(reg.lat_deg, dtype=float) * DEG
        lo = np.asarray(reg.lon_deg, dtype=float) * DEG
        for e in range(len(la)):
            edges.append((la[e - 1], lo[e - 1], la[e], lo[e]))
            edge_region.append(j)
    return CaveatMask(
        code=code,
        class_ok=class_ok,
        asset_ok=asset_ok,
        area_ok=area_ok,
        where_granted=where_granted,
        outside_ok=outside_ok,
        grant_member=np.array([index[g.grantee_member] for g, _ in engage], dtype=np.int64),
        grant_region=np.array([region_index[g.region_id] for g, _ in engage], dtype=np.int64),
        grant_from=np.array([w[0] for _, w in engage], dtype=float),
        grant_until=np.array([w[1] for _, w in engage], dtype=float),
        edges=np.array(edges, dtype=float).reshape(-1, 4),
        edge_region=np.array(edge_region, dtype=np.int64),
    )
