# An exception in a pool worker is raised again in the parent by map(); uncaught, it ends
# the program with its traceback.
import multiprocessing as mp


def inverse(x):
    return 1 / x


if __name__ == "__main__":
    with mp.get_context("spawn").Pool(2) as pool:
        print(pool.map(inverse, [1, 2, 4]))
        pool.map(inverse, [1, 0, 2])
    print("not reached")
