"""Python's side of queue.QueueBenchmark: int items through a multiprocessing.Queue between
producer and consumer child processes (fork), as mp_bench.py's queue.throughput does, for P
producers and C consumers. Items per second from the start gate until every consumer has taken
its share. Prints one number.

    python3 queue_throughput.py [items] [producers] [consumers]
"""
import multiprocessing as mp
import sys
import time


def produce(queue, go, start, stop):
    go.wait()
    for i in range(start, stop):
        queue.put(i)


def consume(queue, count, done):
    total = 0
    for _ in range(count):
        total += queue.get()
    done.put(total)


def main():
    items = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    producers = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    consumers = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    ctx = mp.get_context("fork")
    queue = ctx.Queue()
    done = ctx.Queue()
    go = ctx.Event()
    feeders = [ctx.Process(target=produce, args=(queue, go, items * p // producers, items * (p + 1) // producers))
               for p in range(producers)]
    takers = [ctx.Process(target=consume, args=(queue, items * (c + 1) // consumers - items * c // consumers, done))
              for c in range(consumers)]
    for p in feeders + takers:
        p.start()
    time.sleep(0.2)  # let every child reach its first wait before the gate opens
    t0 = time.perf_counter()
    go.set()
    total = sum(done.get() for _ in takers)
    t1 = time.perf_counter()
    for p in feeders + takers:
        p.join()
    if total != items * (items - 1) // 2:
        raise SystemExit("consumers summed %d" % total)
    print("%.0f" % (items / (t1 - t0)))


if __name__ == "__main__":
    main()
