import argparse

from torch.optim import Adam

from ..models import TransformerGCNQA
from ..utils.dataset_utils import get_dataloaders, load_preprocessed_wikihop
from ..utils.model_utils import train


def main(input_directory, **kwargs):
    """Train TransformerGCNQA on a preprocessed WikiHop/MedHop folder."""
    model = TransformerGCNQA()

    optimizer = Adam(model.parameters())

    processed_dataset, encoded_mentions, graphs, targets = load_preprocessed_wikihop(input_directory)
    dataloaders = get_dataloaders(processed_dataset, encoded_mentions, graphs, targets)

    train(model, optimizer, processed_dataset, dataloaders, **kwargs)


if __name__ == '__main__':
    parser = argparse.ArgumentParser(description='Runs a training loop for the TransformerGCNQA model.')
    parser.add_argument('-i', '--input', help='Path to the preprocessed Wiki- or MedHop dataset.')
    parser.add_argument('-e', '--epochs', default=20, type=int, required=False,
                        help='Number of epochs to train for. Defaults to 20.')
    args = parser.parse_args()
    main(args.input, epochs=args.epochs)
