"""The network: a small BERT encoder over characters with two tagging heads.

Input per character: its id plus the rule labeler's tag for it (a feature
embedding added to the character embedding), so the model starts from what
the rules know and learns where they are wrong (bare table cells, claims).
Only the model tagger and training import this module (it imports torch).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
from torch import nn
from transformers import BertConfig, BertModel


@dataclass
class NetConfig:
    vocab_size: int
    n_value_tags: int
    n_claim_tags: int
    n_rule_tags: int
    hidden_size: int = 128
    num_layers: int = 2
    num_heads: int = 4
    intermediate_size: int = 256
    max_positions: int = 512
    dropout: float = 0.1

    def to_dict(self) -> dict[str, int | float]:
        return asdict(self)


class TaggerNet(nn.Module):
    def __init__(self, config: NetConfig) -> None:
        super().__init__()
        self.config = config
        bert_config = BertConfig(
            vocab_size=config.vocab_size,
            hidden_size=config.hidden_size,
            num_hidden_layers=config.num_layers,
            num_attention_heads=config.num_heads,
            intermediate_size=config.intermediate_size,
            max_position_embeddings=config.max_positions,
            hidden_dropout_prob=config.dropout,
            attention_probs_dropout_prob=config.dropout,
            type_vocab_size=1,
            pad_token_id=0,
        )
        self.encoder = BertModel(bert_config, add_pooling_layer=False)
        self.rule_embeddings = nn.Embedding(config.n_rule_tags, config.hidden_size)
        nn.init.zeros_(self.rule_embeddings.weight)  # start as a plain char model
        self.dropout = nn.Dropout(config.dropout)
        self.value_head = nn.Linear(config.hidden_size, config.n_value_tags)
        self.claim_head = nn.Linear(config.hidden_size, config.n_claim_tags)

    def forward(self, input_ids: torch.Tensor, rule_ids: torch.Tensor, attention_mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        embeds = self.encoder.embeddings.word_embeddings(input_ids) + self.rule_embeddings(rule_ids)
        hidden = self.encoder(inputs_embeds=embeds, attention_mask=attention_mask).last_hidden_state
        hidden = self.dropout(hidden)
        return self.value_head(hidden), self.claim_head(hidden)
