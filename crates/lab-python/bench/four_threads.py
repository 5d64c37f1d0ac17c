# The book's CPU-bound example: four threads each run a counting loop. Under the GIL they
# take turns, so this measures the interpreter's loop plus its GIL hand-offs.
import threading

def count(n):
    total = 0
    for i in range(n):
        total += i
    return total

results = [0] * 4

def work(k):
    results[k] = count(1_500_000)

threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(sum(results))
