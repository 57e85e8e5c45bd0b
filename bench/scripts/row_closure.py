import time
n = 1000000
truth = [1 if i % 7 == 0 else 0 for i in range(n)]
guess = [1 if i % 5 == 0 else 0 for i in range(n)]
amount = [float(i * 7919 % 1000) + 0.5 for i in range(n)]
class Row:
    __slots__ = ("amount", "index")
    def __init__(self, amount, index):
        self.amount = amount
        self.index = index
def cost_matrix(tp, fp, fn, tn):
    def cell(entry, row):
        return entry(row) if callable(entry) else entry
    def value(truth, guess, amount):
        total = 0.0
        for i in range(len(truth)):
            t, g = truth[i], guess[i]
            entry = (tp if g else fn) if t else (fp if g else tn)
            total += entry(Row(amount[i], i)) if callable(entry) else entry
        return total
    return value
value = cost_matrix(tp=lambda row: row.amount - 5, fp=-10, fn=lambda row: -row.amount, tn=0)
t0 = time.perf_counter()
total = value(truth, guess, amount)
print(int(round(total)), time.perf_counter() - t0)
