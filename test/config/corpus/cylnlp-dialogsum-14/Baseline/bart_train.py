import json
import os

import nltk
import numpy as np
from datasets import load_metric, Dataset, DatasetDict
from transformers import AutoModelForSeq2SeqLM, AutoTokenizer, DataCollatorForSeq2Seq, Seq2SeqTrainingArguments, Seq2SeqTrainer

os.environ['CUDA_VISIBLE_DEVICES'] = "0"

# the baseline ships with facebook/bart-large; swapped for T5 here
model_checkpoint = "t5-large"
metric = load_metric("rouge.py")

TEST_SUMMARY_ID = 1


def load_jsonl(file, summary_key="summary"):
    rows = {"fname": [], "summary": [], "dialogue": []}
    with open(file) as f:
        for line in f:
            d = json.loads(line)
            rows["fname"].append(d["fname"])
            rows["dialogue"].append(d["dialogue"])
            rows["summary"].append(d[summary_key])
    return Dataset.from_dict(rows)


raw_datasets = DatasetDict({
    "train": load_jsonl("../DialogSum_Data/dialogsum.train.jsonl"),
    "validation": load_jsonl("../DialogSum_Data/dialogsum.dev.jsonl"),
    "test": load_jsonl("../DialogSum_Data/dialogsum.test.jsonl", "summary%d" % TEST_SUMMARY_ID),
})

model = AutoModelForSeq2SeqLM.from_pretrained(model_checkpoint)
tokenizer = AutoTokenizer.from_pretrained(model_checkpoint)

max_input_length = 256
max_target_length = 128


def preprocess_function(examples):
    model_inputs = tokenizer(examples["dialogue"], max_length=max_input_length, truncation=True)
    with tokenizer.as_target_tokenizer():
        labels = tokenizer(examples["summary"], max_length=max_target_length, truncation=True)
    model_inputs["labels"] = labels["input_ids"]
    return model_inputs


tokenized_datasets = raw_datasets.map(preprocess_function, batched=True)

batch_size = 16
args = Seq2SeqTrainingArguments(
    "BART-LARGE-DIALOGSUM",
    evaluation_strategy="epoch",
    learning_rate=3e-5,
    per_device_train_batch_size=batch_size,
    per_device_eval_batch_size=batch_size,
    weight_decay=0.01,
    save_total_limit=1,
    num_train_epochs=5,
    predict_with_generate=True,
    fp16=True,
    save_strategy="epoch",
    metric_for_best_model="eval_rouge1",
    greater_is_better=True,
    seed=42,
    generation_max_length=max_target_length,
)


def compute_metrics(eval_pred):
    predictions, labels = eval_pred
    preds = tokenizer.batch_decode(predictions, skip_special_tokens=True)
    labels = np.where(labels != -100, labels, tokenizer.pad_token_id)
    refs = tokenizer.batch_decode(labels, skip_special_tokens=True)
    preds = ["\n".join(nltk.sent_tokenize(p.strip())) for p in preds]
    refs = ["\n".join(nltk.sent_tokenize(r.strip())) for r in refs]
    result = metric.compute(predictions=preds, references=refs, use_stemmer=True)
    result = {k: v.mid.fmeasure * 100 for k, v in result.items()}
    result["gen_len"] = np.mean([np.count_nonzero(p != tokenizer.pad_token_id) for p in predictions])
    return {k: round(v, 4) for k, v in result.items()}


trainer = Seq2SeqTrainer(
    model,
    args,
    train_dataset=tokenized_datasets["train"],
    eval_dataset=tokenized_datasets["validation"],
    data_collator=DataCollatorForSeq2Seq(tokenizer, model=model),
    tokenizer=tokenizer,
    compute_metrics=compute_metrics,
)

trainer.train()

predictions, labels, test_metrics = trainer.predict(tokenized_datasets["test"], num_beams=5)
print(test_metrics)
with open("test_output.txt", "w") as f:
    for line in tokenizer.batch_decode(predictions, skip_special_tokens=True):
        f.write(line.replace("\n", "") + "\n")
