import spacy
import torch
import torch.nn as nn
from torch_geometric.nn import RGCNConv

from .constants import SPACY_MODEL
from .utils.model_utils import BERT, get_device


class TransformerGCNQA(nn.Module):
    """BERT mention encodings -> R-GCN over the entity graph -> one score per candidate."""

    def __init__(self, nlp=None, batch_size=1, n_rgcn_layers=3, n_rels=3, rgcn_size=128, n_rgcn_bases=3):
        super().__init__()
        self.device, _ = get_device()
        self.nlp = nlp if nlp else spacy.load(SPACY_MODEL)
        self.bert = BERT()

        self.batch_size = batch_size
        self.rgcn_size = rgcn_size

        self.fc = nn.Linear(1536, self.rgcn_size)
        self.rgcn_layers = nn.ModuleList(
            [RGCNConv(self.rgcn_size, self.rgcn_size, n_rels, n_rgcn_bases) for _ in range(n_rgcn_layers)]
        )
        self.fc_logits = nn.Linear(self.rgcn_size + 768, 1)

    def encode_query(self, query):
        # "country_of_citizenship X" -> "X country of citizenship", then take BERT's [CLS] vector
        query_sv = ' '.join(query.split(' ')[1:] + query.split(' ')[0].split('_'))
        tokens, masks, _ = self.bert.process_tokenized_input([[t.text for t in self.nlp(query_sv)]])
        encoding, _ = self.bert.model(tokens, token_type_ids=torch.zeros_like(tokens), attention_mask=masks,
                                      output_all_encoded_layers=False)
        return encoding.squeeze(0)[0, :]

    def encode_query_aware_mentions(self, encoded_query, encoded_mentions):
        n = encoded_mentions.shape[0]
        concat = torch.cat((encoded_query.expand(n, -1), encoded_mentions), dim=-1)
        return nn.LeakyReLU()(self.fc(concat))

    def forward(self, query, candidate_indices, encoded_mention, graph, target=None):
        encoded_query = self.encode_query(query)
        x = self.encode_query_aware_mentions(encoded_query, encoded_mention)

        edge_index, edge_type = graph[[0, 1], :], graph[2, :]
        rgcn_sum = torch.zeros_like(x)
        for layer in self.rgcn_layers:
            x = layer(x, edge_index, edge_type)
            rgcn_sum += x

        x_query_cat = torch.cat([rgcn_sum, encoded_query.expand((len(rgcn_sum), -1))], dim=-1)
        logits = self.fc_logits(x_query_cat)  # N x 1

        # softmax over candidates, each scored by the max logit among its mentions
        masked_softmax = torch.zeros(len(candidate_indices)).to(self.device)
        for i, idxs in enumerate(candidate_indices.values()):
            if idxs:  # a candidate with no mention keeps probability 0
                logits_masked_max = torch.max(logits[idxs])
                masked_softmax[i] = torch.exp(logits_masked_max)
        masked_softmax /= torch.sum(masked_softmax)

        if target is not None:
            loss_fct = nn.CrossEntropyLoss()
            class_index = torch.argmax(target, 1)
            loss = loss_fct(masked_softmax.view(-1, len(candidate_indices)), class_index)
            return masked_softmax, loss
        return masked_softmax
