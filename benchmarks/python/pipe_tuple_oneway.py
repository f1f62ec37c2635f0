"""Python's side of pipe.SmallRecordBenchmark: one-way Connection.send of (1, 2.0, 'three', None).

As the anchors' mp_bench.py pipe.oneway case: the parent sends N tuples on a duplex Pipe, a forked
child receives them all and acknowledges; messages per second from the first send to the ack.
Prints one number (msgs/s) per round.

    python3 pipe_tuple_oneway.py [messages] [rounds]
"""
import multiprocessing as mp
import sys
import time


def _sink(conn, n):
    conn.send("ready")
    for _ in range(n):
        conn.recv()
    conn.send("done")


def one_round(ctx, n):
    parent, child = ctx.Pipe()
    p = ctx.Process(target=_sink, args=(child, n))
    p.start()
    child.close()
    parent.recv()
    payload = (1, 2.0, 'three', None)
    send = parent.send
    t0 = time.perf_counter()
    for _ in range(n):
        send(payload)
    parent.recv()
    dt = time.perf_counter() - t0
    p.join()
    parent.close()
    return n / dt


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    ctx = mp.get_context("fork")
    for _ in range(rounds):
        print(f"{one_round(ctx, n):.0f}", flush=True)


if __name__ == "__main__":
    main()
