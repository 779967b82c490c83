import argparse
from typing import Callable, Union

import torch
from torch import nn
from transformers import PreTrainedModel, Trainer, TrainingArguments
from utils import get_dataset, get_loss, get_model, get_tokenizer, read_yamls
from custom_datasets.dialogue_collator import DialogueDataCollator


class SFTTrainer(Trainer):
    def __init__(
        self,
        model: Union[PreTrainedModel, nn.Module] = None,
        args: TrainingArguments = None,
        loss_function: str = "CrossEntropyLoss",
        poly_eps: float = 1.0,
        **kwargs,
    ):
        super().__init__(model, args, **kwargs)
        # our own loss so that only the masked-in (answer) tokens count
        self.loss_fct = get_loss(loss_function, poly_eps)

    def compute_loss(self, model, inputs, return_outputs=False):
        labels_mask = inputs.pop("label_masks")
        targets = inputs.pop("targets")
        outputs = model(input_ids=inputs["input_ids"], attention_mask=inputs.get("attention_mask", None))
        loss = self.loss_fct(outputs.get("logits"), targets, mask=labels_mask)
        return (loss, outputs) if return_outputs else loss


def argument_parsing(notebook=False):
    parser = argparse.ArgumentParser()
    parser.add_argument("--configs", nargs="+", required=True)
    parser.add_argument("--local_rank", type=int, default=-1)
    parser.add_argument("--deepspeed", action="store_true")
    args, remaining = parser.parse_known_args()

    conf = {}
    configs = read_yamls("./configs")
    for name in args.configs:
        conf.update(configs[name])
    conf["local_rank"] = args.local_rank
    conf["deepspeed"] = args.deepspeed
    return argparse.Namespace(**conf)


if __name__ == "__main__":
    training_conf = argument_parsing()

    args = TrainingArguments(
        output_dir=training_conf.output_dir,
        num_train_epochs=training_conf.num_train_epochs,
        warmup_steps=training_conf.warmup_steps,
        learning_rate=float(training_conf.learning_rate),
        deepspeed="configs/zero_config.json" if training_conf.deepspeed else None,
        fp16=training_conf.fp16,
        local_rank=training_conf.local_rank,
        gradient_checkpointing=training_conf.gradient_checkpointing,
        gradient_accumulation_steps=training_conf.gradient_accumulation_steps,
        per_device_train_batch_size=training_conf.per_device_train_batch_size,
        per_device_eval_batch_size=training_conf.per_device_eval_batch_size,
        adam_beta1=training_conf.adam_beta1,
        adam_beta2=training_conf.adam_beta2,
        adam_epsilon=float(training_conf.adam_epsilon),
        weight_decay=training_conf.weight_decay,
        max_grad_norm=training_conf.max_grad_norm,
        logging_steps=training_conf.logging_steps,
        save_total_limit=training_conf.save_total_limit,
        evaluation_strategy="steps",
        eval_steps=training_conf.eval_steps,
        save_steps=training_conf.save_steps,
        report_to="wandb" if training_conf.log_wandb else None,
    )

    tokenizer = get_tokenizer(training_conf)
    model = get_model(training_conf, tokenizer)
    train, evals = get_dataset(training_conf)
    collate_fn = DialogueDataCollator(tokenizer, max_length=training_conf.max_length)

    trainer = SFTTrainer(
        model=model,
        args=args,
        loss_function=training_conf.loss_fn,
        poly_eps=training_conf.poly_eps,
        train_dataset=train,
        eval_dataset=evals,
        data_collator=collate_fn,
        tokenizer=tokenizer,
    )
    trainer.train()
