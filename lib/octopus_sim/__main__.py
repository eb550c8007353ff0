"""`python -m octopus_sim`: run the simulator standalone for curl, a browser or the step.

The first line on stdout is the server's URL (so a parent process can read the port chosen by
`--port 0`); the second names the API key. Runs until interrupted.
"""

import argparse
import signal
import sys
import threading

from . import ManualClock, RealClock, Simulator, load_sample_suite
from .world import DEFAULT_API_KEY


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m octopus_sim", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8065, help="port on 127.0.0.1 (0: any free port)")
    parser.add_argument("--sample", action="store_true", help="load the sample suite (four projects, five environments)")
    parser.add_argument("--api-key", default=DEFAULT_API_KEY, help="the API key clients must send")
    parser.add_argument("--latency-ms", type=float, default=0, help="delay added to every API request")
    parser.add_argument("--manual-clock", action="store_true",
                        help="time moves only through POST /__sim/clock/advance (default: real time)")
    parser.add_argument("--speed", type=float, default=1.0, help="real clock speed-up factor")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    clock = ManualClock() if args.manual_clock else RealClock(speed=args.speed)
    sim = Simulator(api_key=args.api_key, clock=clock, port=args.port)
    if args.sample:
        load_sample_suite(sim)
    sim.faults.latency_ms = args.latency_ms
    sim.start()
    print(sim.url, flush=True)
    print("API key: %s" % args.api_key, flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        sim.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
