#!/usr/bin/python3
"""Simulated data for the `soc` example: a battery state-of-charge virtual sensor.

    /usr/bin/python3 examples/soc/simulate.py

Needs NumPy only (Debian: python3-numpy). No network, no data files: every
drive cycle is generated from a seed. Deterministic: running it twice writes
byte-identical files.

A lithium-ion cell (capacity, voltage limits and resistance of a Samsung
INR18650-25R; OCV shape of the LG M50 NMC811/graphite model of Chen et al.
2020) is simulated with a two-RC Thevenin equivalent circuit, coulomb
counting, Arrhenius temperature dependence of the resistances and a lumped
thermal model, driven by cell currents that a simple vehicle model computes
from random (seeded) speed profiles. The README lists every equation and
parameter, and which ones are assumptions.

Writes, next to this script (x: float32 [N, 50, 3] normalised
[current, voltage, temperature]; y: float32 [N, 1], SOC at the last step):

    calib_x.npy            [200, 50, 3]  windows of 10 calibration cycles
    val_x.npy, val_y.npy   [300, 50, 3], [300, 1]  15 validation cycles
    test_x.npy, test_y.npy [300, 50, 3], [300, 1]  15 test cycles
    norm.json              the normalisation constants and units

The training split (cycles of their own seeds, disjoint from the others) is
not written: train.py regenerates it with `train_series()`.
"""

import io
import json
import math
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))

# ------------------------------------------------------------------ data set

BASE_SEED = 20240613          # every cycle's seed is SeedSequence([BASE_SEED, split id, cycle index])
WINDOW = 50                   # time steps per window (dt = 1 s)
DT = 1.0                      # sampling period [s]

# split name -> (split id in the seed, number of cycles, windows per cycle; for
# "train", train.py draws fresh random windows every epoch instead)
SPLITS = {
    "train": (0, 160, None),
    "calib": (1, 10, 20),
    "val": (2, 15, 20),
    "test": (3, 15, 20),
}

# feature normalisation: x = (raw - offset) / scale
NORM = {
    "features": ["current", "voltage", "temperature"],
    "units": ["A (cell current, positive = discharge)", "V (cell terminal voltage)",
              "degC (cell surface temperature)"],
    "offset": [0.0, 3.6, 25.0],
    "scale": [10.0, 0.6, 20.0],
}

# ------------------------------------------------------------------ the cell

# Samsung INR18650-25R product specification (see README, "Sources"):
Q_AH = 2.5                    # nominal capacity [Ah] (0.2 C discharge to 2.5 V)
V_MAX = 4.2                   # charge voltage [V]
V_MIN = 2.5                   # discharge cut-off [V]
R0_REF = 0.018                # [ohm] at 25 degC: the specified maximum AC 1 kHz impedance
I_CHARGE_MAX = 4.0            # [A] the specification's rapid-charge current, used as regen limit

# assumptions (order of magnitude of published 2-RC fits of 18650 cells; not from a datasheet)
R1_REF, TAU1 = 0.008, 8.0     # [ohm], [s] fast RC pair (charge transfer)
R2_REF, TAU2 = 0.012, 150.0   # [ohm], [s] slow RC pair (diffusion)
ETA_CHARGE = 0.995            # coulombic efficiency while charging (discharge: 1)

# Arrhenius activation energies [J/mol] (see README, "Sources")
EA_R0 = 17000.0               # electrolyte conductivity (Ecker et al. 2015, as used in PyBaMM OKane2022)
EA_RCT = 35000.0              # graphite exchange-current density (Chen et al. 2020)
R_GAS = 8.314462618
T_REF = 298.15

# lumped thermal model
CELL_MASS = 0.045             # [kg] assumption (typical 18650)
CELL_CP = 1000.0              # [J/(kg K)] assumption
CELL_AREA = math.pi * 0.018 * 0.065 + 2.0 * math.pi * 0.009 ** 2   # [m2] 18 mm x 65 mm cylinder
H_CONV = 10.0                 # [W/(m2 K)] PyBaMM Chen2020 "Total heat transfer coefficient"

# OCV: LG M50 electrode open-circuit potentials (Chen et al. 2020, as in PyBaMM Chen2020)
C_N_MAX, C_P_MAX = 33133.0, 63104.0           # max concentrations [mol/m3]
X100 = 29866.0 / C_N_MAX                      # graphite stoichiometry at 100 % SOC
Y100 = 17038.0 / C_P_MAX                      # NMC811 stoichiometry at 100 % SOC
_F = 96485.33212
_AREA = 0.065 * 1.58                          # electrode height x width [m2]
QN_AH = _F * C_N_MAX * 0.75 * 8.52e-5 * _AREA / 3600.0    # graphite capacity [Ah]
QP_AH = _F * C_P_MAX * 0.665 * 7.56e-5 * _AREA / 3600.0   # NMC811 capacity [Ah]


def u_neg(x):
    """Graphite OCP [V] vs stoichiometry (Chen 2020)."""
    return (1.9793 * np.exp(-39.3631 * x) + 0.2482 - 0.0909 * np.tanh(29.8538 * (x - 0.1234))
            - 0.04478 * np.tanh(14.9159 * (x - 0.2769)) - 0.0205 * np.tanh(30.4444 * (x - 0.6103)))


def u_pos(y):
    """NMC811 OCP [V] vs stoichiometry (Chen 2020)."""
    return (-0.8090 * y + 4.4875 - 0.0428 * np.tanh(18.5138 * (y - 0.5542))
            - 17.7326 * np.tanh(15.7890 * (y - 0.3117)) + 17.5842 * np.tanh(15.9308 * (y - 0.3120)))


def dudt_neg(x):
    """Graphite entropic coefficient [V/K] (O'Regan et al. 2022)."""
    return (-0.1112 * x + 0.02914 + 0.3561 * np.exp(-((x - 0.08309) ** 2) / 0.004616)) / 1000.0


def dudt_pos(y):
    """NMC811 entropic coefficient [V/K] (O'Regan et al. 2022)."""
    return (0.04006 * np.exp(-((y - 0.2828) ** 2) / 0.0009855)
            - 0.06656 * np.exp(-((y - 0.8032) ** 2) / 0.02179)) / 1000.0


def _window_charge():
    """Charge [Ah, in LG M50 units] taken out from 100 % SOC until the OCV is V_MIN,
    the lithium moving between the electrodes in proportion to their capacities
    (bisection, deterministic)."""
    lo, hi = 0.0, min(X100 * QN_AH, (1.0 - Y100) * QP_AH)
    for _ in range(100):
        mid = 0.5 * (lo + hi)
        v = u_pos(Y100 + mid / QP_AH) - u_neg(X100 - mid / QN_AH)
        if v > V_MIN:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


Q_WINDOW = _window_charge()
X0 = X100 - Q_WINDOW / QN_AH                  # graphite stoichiometry at 0 % SOC
Y0 = Y100 + Q_WINDOW / QP_AH                  # NMC811 stoichiometry at 0 % SOC


def stoich(z):
    return X0 + z * (X100 - X0), Y0 + z * (Y100 - Y0)


def ocv(z, t_k):
    """Open-circuit voltage [V] at SOC z (0..1) and cell temperature t_k [K]."""
    x, y = stoich(z)
    return (u_pos(y) - u_neg(x)) + (t_k - T_REF) * (dudt_pos(y) - dudt_neg(x))


def docv_dt(z):
    x, y = stoich(z)
    return dudt_pos(y) - dudt_neg(x)


def arrhenius(ea, t_k):
    return math.exp(ea / R_GAS * (1.0 / t_k - 1.0 / T_REF))


def soc_factor(z):
    """Assumed rise of the RC resistances at low SOC."""
    return 1.0 + 0.6 * math.exp(-z / 0.12)


# OCV and its temperature coefficient tabulated on a fine SOC grid (linear
# interpolation; the step loop below is scalar Python)
_Z_GRID = np.linspace(-0.02, 1.02, 5201)
_OCV25 = ocv(_Z_GRID, T_REF)
_DOCV = docv_dt(_Z_GRID)


def ocv_scalar(z, t_k):
    o = float(np.interp(z, _Z_GRID, _OCV25))
    d = float(np.interp(z, _Z_GRID, _DOCV))
    return o + (t_k - T_REF) * d, d

# ------------------------------------------------------------------ the vehicle
# assumptions: a compact electric car, pack of 96 cells in series x 32 in parallel

N_SERIES, N_PARALLEL = 96, 32
VEH_MASS = 1500.0             # [kg] without payload
CDA = 0.65                    # drag coefficient x frontal area [m2]
C_RR = 0.010                  # rolling resistance coefficient
RHO_AIR = 1.2                 # [kg/m3]
G = 9.81
ETA_DRIVE = 0.90              # battery -> wheel efficiency when driving
ETA_REGEN = 0.80              # wheel -> battery efficiency when braking
P_MOTOR_MAX = 100e3           # [W] battery power limit when driving
I_DISCHARGE_MAX = 20.0        # [A] per cell
SOC_END = 0.02                # a cycle ends early when the SOC falls below this


def speed_profile(rng):
    """A drive cycle: speed [m/s] and road grade per second.

    Built from segments (urban, suburban, highway) chosen by a Markov chain;
    each segment is micro-trips: accelerate to a cruise speed, cruise with a
    random speed fluctuation, decelerate, and stop for a while (or not)."""
    duration = int(rng.uniform(1200, 4800))
    kinds = ("urban", "suburban", "highway")
    trans = {"urban": (0.6, 0.3, 0.1), "suburban": (0.3, 0.4, 0.3), "highway": (0.1, 0.4, 0.5)}
    kind = kinds[int(rng.choice(3, p=(0.6, 0.3, 0.1)))]
    v = [0.0] * int(rng.integers(5, 30))    # parked at the start
    while len(v) < duration:
        if kind == "urban":
            n_trips, vc_rng, cr_rng, p_stop, idle_rng = int(rng.integers(3, 10)), (20, 50), (5, 60), 0.8, (3, 40)
        elif kind == "suburban":
            n_trips, vc_rng, cr_rng, p_stop, idle_rng = int(rng.integers(2, 6)), (50, 80), (30, 200), 0.4, (3, 30)
        else:
            n_trips, vc_rng, cr_rng, p_stop, idle_rng = int(rng.integers(1, 4)), (90, 130), (120, 900), 0.1, (5, 60)
        for _ in range(n_trips):
            vc = rng.uniform(*vc_rng) / 3.6
            acc = rng.uniform(0.8, 2.2) if kind == "urban" else rng.uniform(0.6, 1.8)
            dec = rng.uniform(0.8, 3.0)
            cur = v[-1]
            while cur < vc - 1e-9:                      # accelerate (smaller at speed)
                cur = min(vc, cur + acc * (1.0 - 0.5 * cur / 40.0))
                v.append(cur)
            fluct = 0.0
            for _ in range(int(rng.uniform(*cr_rng))):  # cruise: Ornstein-Uhlenbeck fluctuation
                fluct += -0.05 * fluct + rng.normal(0.0, 0.35)
                v.append(max(0.0, vc + fluct))
            stop = rng.uniform() < p_stop
            target = 0.0 if stop else v[-1] * rng.uniform(0.3, 0.8)
            cur = v[-1]
            while cur > target + 1e-9:                  # decelerate (regenerative braking)
                cur = max(target, cur - dec)
                v.append(cur)
            if stop:
                v.extend([0.0] * int(rng.uniform(*idle_rng)))
        kind = kinds[int(rng.choice(3, p=trans[kind]))]
    cur = v[-1]
    while cur > 0.0:                                    # end the cycle at a stop
        cur = max(0.0, cur - 1.5)
        v.append(cur)
    v.extend([0.0] * int(rng.integers(5, 30)))
    n = len(v)
    grade = np.empty(n)                                 # piecewise constant road grade
    i = 0
    while i < n:
        seg = int(rng.uniform(30, 300))
        grade[i:i + seg] = float(np.clip(rng.normal(0.0, 0.02), -0.06, 0.06))
        i += seg
    return np.asarray(v), grade


def simulate_cycle(seed_seq):
    """One drive cycle. Returns the true time series and the measured one:
    dict of arrays (per second): soc, i_true, v_true, t_true (degC), and
    i_meas, v_meas, t_meas, plus the cycle's scalars."""
    rng = np.random.default_rng(seed_seq)
    v_spd, grade = speed_profile(rng)
    t_amb = rng.uniform(-10.0, 40.0)                    # [degC]
    soc0 = rng.uniform(0.2, 1.0)
    payload = rng.uniform(75.0, 400.0)
    mass = VEH_MASS + payload
    # auxiliaries: electronics + cabin heating below 18 degC / cooling above 24 degC
    p_aux = (250.0 + 90.0 * max(0.0, 18.0 - t_amb) + 70.0 * max(0.0, t_amb - 24.0)) * rng.uniform(0.7, 1.3)
    # sensor errors fixed for the cycle
    i_gain = 1.0 + rng.normal(0.0, 0.005)
    i_off = rng.normal(0.0, 0.010)
    t_off = rng.normal(0.0, 0.3)

    n = len(v_spd)
    soc = np.empty(n)
    i_cell = np.empty(n)
    v_cell = np.empty(n)
    t_cell = np.empty(n)
    z, v1, v2 = soc0, 0.0, 0.0
    tk = t_amb + 273.15                                 # cell soaked at ambient temperature
    tamb_k = t_amb + 273.15
    m_cp = CELL_MASS * CELL_CP
    h_a = H_CONV * CELL_AREA
    a1, a2 = math.exp(-DT / TAU1), math.exp(-DT / TAU2)
    n_cells = N_SERIES * N_PARALLEL
    for k in range(n):
        if z < SOC_END:                                 # "battery empty": the drive ends here
            n = k
            break
        # vehicle power at the wheels, then at the battery, then per cell
        spd = v_spd[k]
        acc = (v_spd[k + 1] - spd) / DT if k + 1 < n else 0.0
        th = math.atan(grade[k])
        f_res = (0.5 * RHO_AIR * CDA * spd * spd + (C_RR * math.cos(th) + math.sin(th)) * mass * G) if spd > 0.0 else 0.0
        p_wheel = (mass * 1.05 * acc + f_res) * spd      # 1.05: rotating inertia
        if p_wheel >= 0.0:
            p_batt = min(p_wheel / ETA_DRIVE, P_MOTOR_MAX)
        else:
            blend = min(1.0, spd / 5.0)                  # regen fades out below 18 km/h
            p_batt = p_wheel * ETA_REGEN * blend
        p_batt += p_aux
        p = p_batt / n_cells                             # [W] per cell, > 0 discharging

        ocv_k, docv = ocv_scalar(z, tk)
        f_t0 = arrhenius(EA_R0, tk)
        f_ct = arrhenius(EA_RCT, tk) * soc_factor(z)
        r0 = R0_REF * f_t0
        r1 = R1_REF * f_ct
        r2 = R2_REF * f_ct
        e = ocv_k - v1 - v2                              # source behind R0
        disc = e * e - 4.0 * r0 * p
        cur = (e - math.sqrt(disc)) / (2.0 * r0) if disc > 0.0 else e / (2.0 * r0)
        # limits: voltage window, discharge current, regen current (none below 0 degC,
        # full from 10 degC), no charging above 100 % SOC
        i_hi = min(I_DISCHARGE_MAX, (e - V_MIN) / r0)
        t_c = tk - 273.15
        i_chg = I_CHARGE_MAX * min(1.0, max(0.0, t_c / 10.0))
        i_lo = max(-i_chg, (e - V_MAX) / r0, -(1.0 - z) * Q_AH * 3600.0 / (DT * ETA_CHARGE))
        cur = min(max(cur, i_lo), max(i_hi, i_lo))
        vt = e - r0 * cur

        soc[k], i_cell[k], v_cell[k], t_cell[k] = z, cur, vt, t_c
        # state update over [k, k+1)
        eta = 1.0 if cur >= 0.0 else ETA_CHARGE
        z = z - eta * cur * DT / (3600.0 * Q_AH)
        v1 = a1 * v1 + r1 * (1.0 - a1) * cur
        v2 = a2 * v2 + r2 * (1.0 - a2) * cur
        q_gen = cur * (ocv_k - vt) - cur * tk * docv    # irreversible + reversible heat [W]
        tk = tk + DT * (q_gen - h_a * (tk - tamb_k)) / m_cp

    soc, i_cell, v_cell, t_cell, v_spd = soc[:n], i_cell[:n], v_cell[:n], t_cell[:n], v_spd[:n]
    # sensors (see README): gain/offset per cycle, white noise, quantisation
    i_meas = i_gain * i_cell + i_off + rng.normal(0.0, 0.020, n)
    v_meas = np.round((v_cell + rng.normal(0.0, 0.002, n)) / 0.001) * 0.001
    t_meas = np.round((t_cell + t_off + rng.normal(0.0, 0.1, n)) / 0.1) * 0.1
    return {"soc": soc, "i_true": i_cell, "v_true": v_cell, "t_true": t_cell,
            "i_meas": i_meas, "v_meas": v_meas, "t_meas": t_meas,
            "speed": v_spd, "t_amb": t_amb, "soc0": soc0}


def features(cyc):
    raw = np.stack([cyc["i_meas"], cyc["v_meas"], cyc["t_meas"]], axis=1)
    off = np.asarray(NORM["offset"])
    sc = np.asarray(NORM["scale"])
    return (raw - off) / sc


def cycle_seed(split, idx):
    return np.random.SeedSequence([BASE_SEED, SPLITS[split][0], idx])


def train_series(verbose=False):
    """The training split as whole cycles: a list of (features float32 [n, 3],
    SOC float64 [n]); train.py draws its windows from these."""
    _, n_cycles, _ = SPLITS["train"]
    out = []
    for c in range(n_cycles):
        cyc = simulate_cycle(cycle_seed("train", c))
        out.append((features(cyc).astype(np.float32), cyc["soc"]))
        if verbose and c % 40 == 0:
            print(f"  train cycle {c}: {len(cyc['soc'])} s")
    return out


def make_split(split, verbose=False):
    """Windows of one split ("calib", "val" or "test"): x float32 [N, WINDOW, 3],
    y float32 [N, 1], and per window the index of its cycle. The window starts
    are drawn without replacement, uniformly over the cycle."""
    _, n_cycles, per_cycle = SPLITS[split]
    assert per_cycle is not None, "the training split is train_series()"
    xs, ys, cs = [], [], []
    for c in range(n_cycles):
        ss = cycle_seed(split, c)
        cyc = simulate_cycle(ss)
        f = features(cyc)
        n = len(f)
        pick = np.random.default_rng(ss.spawn(1)[0])
        starts = np.sort(pick.choice(n - WINDOW + 1, size=per_cycle, replace=False))
        idx = starts[:, None] + np.arange(WINDOW)[None, :]
        xs.append(f[idx])
        ys.append(cyc["soc"][starts + WINDOW - 1])
        cs.append(np.full(len(starts), c))
        if verbose:
            print(f"  {split} cycle {c:3d}: {n:5d} s, ambient {cyc['t_amb']:5.1f} degC, "
                  f"SOC {cyc['soc'][0]:.3f} -> {cyc['soc'][-1]:.3f}, "
                  f"I [{cyc['i_true'].min():6.2f}, {cyc['i_true'].max():5.2f}] A, "
                  f"V [{cyc['v_true'].min():.3f}, {cyc['v_true'].max():.3f}] V, "
                  f"T [{cyc['t_true'].min():5.1f}, {cyc['t_true'].max():5.1f}] degC")
    x = np.ascontiguousarray(np.concatenate(xs), dtype="<f4")
    y = np.ascontiguousarray(np.concatenate(ys)[:, None], dtype="<f4")
    return x, y, np.concatenate(cs)


def save_npy(name, arr):
    buf = io.BytesIO()
    np.save(buf, arr, allow_pickle=False)
    tmp = os.path.join(HERE, name + ".tmp")
    with open(tmp, "wb") as f:
        f.write(buf.getvalue())
    os.replace(tmp, os.path.join(HERE, name))


def main():
    print(f"OCV window (LG M50 electrodes): x {X0:.4f}..{X100:.4f}, y {Y0:.4f}..{Y100:.4f}; "
          f"OCV(0) {ocv(0.0, T_REF):.4f} V, OCV(1) {ocv(1.0, T_REF):.4f} V")
    for split in ("calib", "val", "test"):
        x, y, _ = make_split(split, verbose=True)
        print(f"{split}: x {x.shape}, y {y.shape}, SOC {y.min():.3f}..{y.max():.3f}, "
              f"x min {x.reshape(-1, 3).min(0).round(3)}, max {x.reshape(-1, 3).max(0).round(3)}")
        save_npy(f"{split}_x.npy", x)
        if split != "calib":
            save_npy(f"{split}_y.npy", y)
    norm = dict(NORM)
    norm["window"] = WINDOW
    norm["dt_s"] = DT
    norm["target"] = "state of charge (0..1) at the last time step of the window"
    norm["formula"] = "x[:, :, j] = (raw_j - offset[j]) / scale[j]"
    with open(os.path.join(HERE, "norm.json.tmp"), "w") as f:
        json.dump(norm, f, indent=2)
        f.write("\n")
    os.replace(os.path.join(HERE, "norm.json.tmp"), os.path.join(HERE, "norm.json"))


if __name__ == "__main__":
    main()
