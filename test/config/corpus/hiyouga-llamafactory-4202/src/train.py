# Entry point: parse CLI/YAML arguments and run the selected stage
from llamafactory.train.tuner import run_exp


def main():
    run_exp()


if __name__ == "__main__":
    main()
