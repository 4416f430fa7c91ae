"""tfgan_lab command line: python main.py --config=configs/<experiment>.py --workdir=DIR."""

from tfgan_lab.console import run

if __name__ == "__main__":
    run()
