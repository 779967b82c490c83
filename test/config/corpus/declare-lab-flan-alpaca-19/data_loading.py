import json

from torch.utils.data import Dataset
from transformers import PreTrainedTokenizer


class TextToTextDataset(Dataset):
    def __init__(self, path: str, tokenizer: PreTrainedTokenizer, max_source_length: int, max_target_length: int):
        with open(path) as f:
            self.samples = [json.loads(line) for line in f]
        self.tokenizer = tokenizer
        self.max_source_length = max_source_length
        self.max_target_length = max_target_length

    def __len__(self):
        return len(self.samples)

    def _encode(self, text, max_length):
        return self.tokenizer(text, max_length=max_length, padding="max_length", truncation=True, return_tensors="pt")

    def __getitem__(self, i):
        sample = self.samples[i]
        x = self._encode(sample["source"], self.max_source_length)
        y = self._encode(sample["target"], self.max_target_length)
        return dict(
            source_ids=x.input_ids.squeeze(),
            source_mask=x.attention_mask.squeeze(),
            target_ids=y.input_ids.squeeze(),
            target_mask=y.attention_mask.squeeze(),
        )
