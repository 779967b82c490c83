import argparse

from f5_tts.model import CFM, DiT, Trainer
from f5_tts.model.dataset import load_dataset
from f5_tts.model.utils import get_tokenizer

target_sample_rate = 24000
n_mel_channels = 100
hop_length = 256


def parse_args():
    parser = argparse.ArgumentParser(description="Finetune a CFM model")
    parser.add_argument("--exp_name", type=str, default="F5TTS_Base", choices=["F5TTS_Base", "E2TTS_Base"])
    parser.add_argument("--dataset_name", type=str, default="Emilia_ZH_EN")
    parser.add_argument("--learning_rate", type=float, default=1e-5, help="Learning rate for training")
    parser.add_argument("--batch_size_per_gpu", type=int, default=3200)
    parser.add_argument("--batch_size_type", type=str, default="frame", choices=["frame", "sample"])
    parser.add_argument("--max_samples", type=int, default=64)
    parser.add_argument("--grad_accumulation_steps", type=int, default=1)
    parser.add_argument("--max_grad_norm", type=float, default=1.0, help="Max gradient norm for clipping")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--num_warmup_updates", type=int, default=300)
    parser.add_argument("--save_per_updates", type=int, default=10000)
    parser.add_argument("--last_per_steps", type=int, default=50000)
    parser.add_argument("--finetune", type=bool, default=True)
    parser.add_argument("--tokenizer", type=str, default="pinyin", choices=["pinyin", "char", "custom"])
    parser.add_argument("--log_samples", type=bool, default=False)
    parser.add_argument("--logger", type=str, default=None, choices=["wandb", "tensorboard"])
    return parser.parse_args()


def main():
    args = parse_args()
    vocab_char_map, vocab_size = get_tokenizer(args.dataset_name, args.tokenizer)
    mel_spec_kwargs = dict(target_sample_rate=target_sample_rate, n_mel_channels=n_mel_channels, hop_length=hop_length)

    model = CFM(
        transformer=DiT(dim=1024, depth=22, heads=16, ff_mult=2, text_dim=512, conv_layers=4, text_num_embeds=vocab_size, mel_dim=n_mel_channels),
        mel_spec_kwargs=mel_spec_kwargs,
        vocab_char_map=vocab_char_map,
    )

    trainer = Trainer(
        model,
        args.epochs,
        args.learning_rate,
        num_warmup_updates=args.num_warmup_updates,
        save_per_updates=args.save_per_updates,
        checkpoint_path=f"ckpts/{args.dataset_name}",
        batch_size=args.batch_size_per_gpu,
        batch_size_type=args.batch_size_type,
        max_samples=args.max_samples,
        grad_accumulation_steps=args.grad_accumulation_steps,
        max_grad_norm=args.max_grad_norm,
        logger=args.logger,
        last_per_steps=args.last_per_steps,
    )

    train_dataset = load_dataset(args.dataset_name, args.tokenizer, mel_spec_kwargs=mel_spec_kwargs)
    trainer.train(train_dataset, resumable_with_seed=666)


if __name__ == "__main__":
    main()
