from soundstorm_pytorch import SoundStorm, ConformerWrapper, SoundStormTrainer
from dataset import PreEncodedCodes

conformer = ConformerWrapper(
    codebook_size = 1024,
    num_quantizers = 12,
    conformer = dict(dim = 512, depth = 6),
)

model = SoundStorm(
    conformer,
    steps = 18,
    schedule = 'cosine',
)

trainer = SoundStormTrainer(
    model,
    num_train_steps = 200_000,
    num_warmup_steps = 4000,
    batch_size = 16,
    dataset = PreEncodedCodes('./codes'),
    lr = 3e-4,
    max_grad_norm = 0.5,
)

trainer.train()
