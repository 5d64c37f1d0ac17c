# No `if __name__ == "__main__":` guard with spawn: the child re-runs this file as
# __mp_main__, reaches start() while bootstrapping and fails with RuntimeError; its exit
# code is 1 and its traceback is the last thing on stderr.
import multiprocessing as mp

print("running as", __name__)


def work():
    print("work never runs")


ctx = mp.get_context("spawn")
p = ctx.Process(target=work)
p.start()
p.join()
print("exit code", p.exitcode)
