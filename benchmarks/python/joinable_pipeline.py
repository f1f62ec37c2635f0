"""Python's side of queue.PipelineBenchmark: N text lines through a multiprocessing.JoinableQueue.

One line per item; consumer processes count the spaces of each line and task_done() it; the
producers (this process for 1, child processes for more) put them; lines per second from the
first put to join(). Prints one number.

    python3 joinable_pipeline.py [lines] [producers] [consumers]
"""
import multiprocessing as mp
import sys
import time

END = "\0end"


def line(i):
    return "line %d: the quick brown fox jumps over the lazy dog" % i


def consume(queue, counted):
    total = 0
    while True:
        s = queue.get()
        if s == END:
            queue.task_done()
            break
        total += s.count(" ")
        queue.task_done()
    with counted.get_lock():
        counted.value += total


def produce(queue, go, start, stop):
    go.wait()
    for i in range(start, stop):
        queue.put(line(i))


def main():
    lines = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    producers = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    consumers = int(sys.argv[3]) if len(sys.argv) > 3 else 2
    ctx = mp.get_context("fork")
    queue = ctx.JoinableQueue()
    counted = ctx.Value("q", 0)
    go = ctx.Event()
    workers = [ctx.Process(target=consume, args=(queue, counted)) for _ in range(consumers)]
    for w in workers:
        w.start()
    feeders = []
    if producers > 1:
        for p in range(producers):
            feeders.append(ctx.Process(target=produce, args=(queue, go, lines * p // producers,
                                                             lines * (p + 1) // producers)))
        for f in feeders:
            f.start()
    queue.put(line(-1))
    queue.join()
    t0 = time.perf_counter()
    if producers > 1:
        go.set()
        for f in feeders:
            f.join()
    else:
        for i in range(lines):
            queue.put(line(i))
    queue.join()
    dt = time.perf_counter() - t0
    for _ in range(consumers):
        queue.put(END)
    for w in workers:
        w.join()
    expected = sum(line(i).count(" ") for i in range(-1, lines))
    if counted.value != expected:
        raise SystemExit("consumers counted %d spaces, expected %d" % (counted.value, expected))
    print(lines / dt)


if __name__ == "__main__":
    main()
