import argparse
import json
import math

import deepspeed
import torch
from deepspeed.ops.adam import DeepSpeedCPUAdam, FusedAdam
from peft import LoraConfig, TaskType, get_peft_model
from tqdm import tqdm
from transformers import (AutoConfig, AutoModel, AutoModelForCausalLM, AutoTokenizer, LlamaConfig,
                          LlamaForCausalLM, LlamaTokenizer, T5ForConditionalGeneration,
                          get_linear_schedule_with_warmup)

from data_utils.data_utils import Seq2SeqDataset, Seq2SeqCollator

parser = argparse.ArgumentParser()
parser.add_argument("--dataset", type=str, default="iemocap")
parser.add_argument("--model_name_or_path", type=str, required=True)
parser.add_argument("--data_dir", type=str, required=True)
parser.add_argument("--output_dir", type=str, default="./experiments")
parser.add_argument("--max_length", type=int, default=1024)
parser.add_argument("--deepspeed_config", type=str, default="./data_utils/deepspeed_config.json")
parser.add_argument("--num_train_epochs", default=10, type=int)
parser.add_argument("--gradient_accumulation_steps", default=1, type=int)
parser.add_argument("--warmup_ratio", default=0.1, type=float, help="The ratio of warmup.")
parser.add_argument("--warmup_steps", default=None, type=int)
parser.add_argument("--learning_rate", default=3e-5, type=float)
parser.add_argument("--batch_size", default=32, type=int)
parser.add_argument("--eval_batch_size", default=8, type=int)
parser.add_argument("--clip_norm", type=float, default=1.0)
parser.add_argument("--lora", default=False)
parser.add_argument("--offload_optimizer", action="store_true")
parser.add_argument("--do_train", default=False)
parser.add_argument("--do_eval", default=False)
parser.add_argument("--local_rank", default=-1)
args = parser.parse_args()

with open(args.deepspeed_config, "r", encoding="utf-8") as f:
    deepspeed_config = json.load(f)
deepspeed_config["train_batch_size"] = args.batch_size
deepspeed_config["gradient_accumulation_steps"] = args.gradient_accumulation_steps

lora_config = LoraConfig(task_type=TaskType.CAUSAL_LM, inference_mode=False, r=16, lora_alpha=32, lora_dropout=0.05)

## prepare model: the precision in the json is overridden per model family here
if "chatglm" in args.model_name_or_path:
    tokenizer = AutoTokenizer.from_pretrained(args.model_name_or_path, trust_remote_code=True)
    model = AutoModel.from_pretrained(args.model_name_or_path, trust_remote_code=True).half()
    deepspeed_config["bfloat16"]["enabled"] = False
    deepspeed_config["fp16"]["enabled"] = True
elif "t5" in args.model_name_or_path:
    tokenizer = AutoTokenizer.from_pretrained(args.model_name_or_path)
    model = T5ForConditionalGeneration.from_pretrained(args.model_name_or_path)
    deepspeed_config["bfloat16"]["enabled"] = False
    deepspeed_config["fp16"]["enabled"] = False
else:
    ## llama, vicuna
    tokenizer = LlamaTokenizer.from_pretrained(args.model_name_or_path)
    model = LlamaForCausalLM.from_pretrained(args.model_name_or_path).half()
    deepspeed_config["bfloat16"]["enabled"] = False
    deepspeed_config["fp16"]["enabled"] = True

if tokenizer.pad_token is None:
    tokenizer.pad_token = tokenizer.unk_token
tokenizer.padding_side = "left"

if args.lora:
    model = get_peft_model(model, lora_config)

train_dataset = Seq2SeqDataset(args, tokenizer, mode="train")
train_collator = Seq2SeqCollator(args, tokenizer, mode="train")

if args.do_train:
    t_total = math.ceil(len(train_dataset) / args.batch_size) * args.num_train_epochs
    warmup_steps = math.ceil(t_total * args.warmup_ratio) if args.warmup_steps is None else args.warmup_steps

    params = [p for p in model.parameters() if p.requires_grad]
    optimizer_class = DeepSpeedCPUAdam if args.offload_optimizer else FusedAdam
    optimizer = optimizer_class(params, lr=args.learning_rate, betas=[0.9, 0.95])
    lr_scheduler = get_linear_schedule_with_warmup(optimizer=optimizer, num_training_steps=t_total, num_warmup_steps=warmup_steps)

    model_engine, optimizer, train_dataloader, lr_scheduler = deepspeed.initialize(
        model=model, training_data=train_dataset, optimizer=optimizer, lr_scheduler=lr_scheduler,
        config=deepspeed_config, collate_fn=train_collator,
    )
    model = model_engine

if __name__ == "__main__":
    device = model.device
    for epoch in range(args.num_train_epochs):
        model.train()
        batch_iterator = tqdm(train_dataloader, desc=f"Runing epoch{epoch} / {args.num_train_epochs}", mininterval=0)
        for step, batch in enumerate(batch_iterator):
            outputs = model(input_ids=batch["input_ids"].to(device), labels=batch["labels"].to(device),
                            attention_mask=batch["attention_mask"].to(device))
            loss = outputs.loss
            model.backward(loss)
            torch.nn.utils.clip_grad_norm_(model.parameters(), args.clip_norm)
            model.step()
            batch_iterator.set_description(f"Epochs {epoch}/{args.num_train_epochs}. Running Loss: {loss.item():9.4f}")
