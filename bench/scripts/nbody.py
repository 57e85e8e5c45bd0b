import math, time
SOLAR_MASS = 4 * math.pi * math.pi
DAYS_PER_YEAR = 365.24
def body(x, y, z, vx, vy, vz, mass):
    return {"x": x, "y": y, "z": z, "vx": vx * DAYS_PER_YEAR, "vy": vy * DAYS_PER_YEAR, "vz": vz * DAYS_PER_YEAR, "mass": mass * SOLAR_MASS}
bodies = [
    body(0, 0, 0, 0, 0, 0, 1),
    body(4.84143144246472090e+00, -1.16032004402742839e+00, -1.03622044471123109e-01, 1.66007664274403694e-03, 7.69901118419740425e-03, -6.90460016972063023e-05, 9.54791938424326609e-04),
    body(8.34336671824457987e+00, 4.12479856412430479e+00, -4.03523417114321381e-01, -2.76742510726862411e-03, 4.99852801234917238e-03, 2.30417297573763929e-05, 2.85885980666130812e-04),
    body(1.28943695621391310e+01, -1.51111514016986312e+01, -2.23307578892655734e-01, 2.96460137564761618e-03, 2.37847173959480950e-03, -2.96589568540237556e-05, 4.36624404335156298e-05),
    body(1.53796971148509165e+01, -2.59193146099879641e+01, 1.79258772950371181e-01, 2.68067772490389322e-03, 1.62824170038242295e-03, -9.51592254519715870e-05, 5.15138902046611451e-05),
]
def energy():
    e = 0.0
    n = len(bodies)
    for i in range(n):
        b = bodies[i]
        e += 0.5 * b["mass"] * (b["vx"] * b["vx"] + b["vy"] * b["vy"] + b["vz"] * b["vz"])
        for j in range(i + 1, n):
            c = bodies[j]
            dx, dy, dz = b["x"] - c["x"], b["y"] - c["y"], b["z"] - c["z"]
            e -= b["mass"] * c["mass"] / math.sqrt(dx * dx + dy * dy + dz * dz)
    return e
def advance(dt, steps):
    n = len(bodies)
    for _ in range(steps):
        for i in range(n):
            for j in range(i + 1, n):
                dx = bodies[i]["x"] - bodies[j]["x"]
                dy = bodies[i]["y"] - bodies[j]["y"]
                dz = bodies[i]["z"] - bodies[j]["z"]
                d2 = dx * dx + dy * dy + dz * dz
                mag = dt / (d2 * math.sqrt(d2))
                mi, mj = bodies[i]["mass"] * mag, bodies[j]["mass"] * mag
                bodies[i]["vx"] -= dx * mj
                bodies[i]["vy"] -= dy * mj
                bodies[i]["vz"] -= dz * mj
                bodies[j]["vx"] += dx * mi
                bodies[j]["vy"] += dy * mi
                bodies[j]["vz"] += dz * mi
        for i in range(n):
            bodies[i]["x"] += dt * bodies[i]["vx"]
            bodies[i]["y"] += dt * bodies[i]["vy"]
            bodies[i]["z"] += dt * bodies[i]["vz"]
t0 = time.perf_counter()
before = energy()
advance(0.01, 20000)
print(round(before * 1e9), round(energy() * 1e9), time.perf_counter() - t0)
