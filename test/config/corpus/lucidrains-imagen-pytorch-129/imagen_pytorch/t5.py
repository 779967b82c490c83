import torch
from transformers import T5Tokenizer, T5EncoderModel

# the text encoder is frozen; it is only used to embed captions

DEFAULT_T5_NAME = 'google/t5-v1_1-base'
MAX_LENGTH = 256

_cache = {}

def get_model_and_tokenizer(name):
    if name not in _cache:
        _cache[name] = (T5EncoderModel.from_pretrained(name), T5Tokenizer.from_pretrained(name))
    return _cache[name]

def t5_encode_text(texts, name = DEFAULT_T5_NAME, return_attn_mask = False):
    t5, tokenizer = get_model_and_tokenizer(name)
    if torch.cuda.is_available():
        t5 = t5.cuda()
    device = next(t5.parameters()).device

    enc = tokenizer.batch_encode_plus(texts, return_tensors = 'pt', padding = 'longest', max_length = MAX_LENGTH, truncation = True)
    input_ids = enc.input_ids.to(device)
    attn_mask = enc.attention_mask.to(device)

    t5.eval()
    with torch.no_grad():
        encoded = t5(input_ids = input_ids, attention_mask = attn_mask).last_hidden_state.detach()

    attn_mask = attn_mask.bool()
    encoded = encoded.masked_fill(~attn_mask[..., None], 0.)
    if return_attn_mask:
        return encoded, attn_mask
    return encoded
