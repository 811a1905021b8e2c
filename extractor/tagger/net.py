"""The network: a small BERT encoder over characters with two tagging heads.

Input per character: its id plus the rule labeler's tag for it (a feature
embedding added to the character embedding), so the model starts from what
the rules know and learns where they are wrong (bare table cells, claims).
Only the model tagger and training import this module (it imports torch).

``TaggerNet`` (HF transformers' BertModel) is what training builds and saves.
``TaggingNet`` runs the same weights for tagging in plain torch: importing
transformers takes about 5 s here, paid by every CLI call and every batch
worker, and its forward is about 10% slower. tests/test_model.py holds the two
to the same outputs.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
from torch import nn
from torch.nn import functional as F

# BertConfig's defaults that TaggerNet keeps and TaggingNet assumes.
LAYER_NORM_EPS = 1e-12


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
        from transformers import BertConfig, BertModel

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
            hidden_act="gelu",
            layer_norm_eps=LAYER_NORM_EPS,
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


class TaggingNet(nn.Module):
    """TaggerNet's forward for tagging, in plain torch, from TaggerNet's state dict:
    a post-LayerNorm BERT encoder (absolute positions, one token type, exact GELU)."""

    def __init__(self, config: NetConfig, state: dict[str, torch.Tensor]) -> None:
        super().__init__()
        self.config = config
        self.heads = config.num_heads
        self.weights = {name: tensor.detach() for name, tensor in state.items()}
        expected = {
            "encoder.embeddings.word_embeddings.weight": (config.vocab_size, config.hidden_size),
            "rule_embeddings.weight": (config.n_rule_tags, config.hidden_size),
            "value_head.weight": (config.n_value_tags, config.hidden_size),
            "claim_head.weight": (config.n_claim_tags, config.hidden_size),
        }
        for name, shape in expected.items():
            if tuple(self.weights[name].shape) != shape:
                raise ValueError(f"{name} has shape {tuple(self.weights[name].shape)}, the config says {shape}")
        self.layers = []
        for i in range(config.num_layers):
            prefix = f"encoder.encoder.layer.{i}."
            layer = {name[len(prefix) :]: tensor for name, tensor in self.weights.items() if name.startswith(prefix)}
            # Query, key and value in one matrix product.
            layer["qkv.weight"] = torch.cat([layer[f"attention.self.{n}.weight"] for n in ("query", "key", "value")])
            layer["qkv.bias"] = torch.cat([layer[f"attention.self.{n}.bias"] for n in ("query", "key", "value")])
            self.layers.append(layer)

    def forward(self, input_ids: torch.Tensor, rule_ids: torch.Tensor, attention_mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        w = self.weights
        batch, width = input_ids.shape
        x = F.embedding(input_ids, w["encoder.embeddings.word_embeddings.weight"]) + F.embedding(rule_ids, w["rule_embeddings.weight"])
        x = x + w["encoder.embeddings.position_embeddings.weight"][:width] + w["encoder.embeddings.token_type_embeddings.weight"][0]
        x = _norm(x, w, "encoder.embeddings.LayerNorm")
        keep = attention_mask[:, None, None, :].bool()  # padding is never attended to
        for layer in self.layers:
            q, k, v = _linear(x, layer, "qkv").view(batch, width, 3, self.heads, -1).permute(2, 0, 3, 1, 4)
            attended = F.scaled_dot_product_attention(q, k, v, attn_mask=keep).transpose(1, 2).reshape(batch, width, -1)
            x = _norm(_linear(attended, layer, "attention.output.dense") + x, layer, "attention.output.LayerNorm")
            inner = F.gelu(_linear(x, layer, "intermediate.dense"))
            x = _norm(_linear(inner, layer, "output.dense") + x, layer, "output.LayerNorm")
        return _linear(x, w, "value_head"), _linear(x, w, "claim_head")


def _linear(x: torch.Tensor, weights: dict[str, torch.Tensor], name: str) -> torch.Tensor:
    return F.linear(x, weights[f"{name}.weight"], weights[f"{name}.bias"])


def _norm(x: torch.Tensor, weights: dict[str, torch.Tensor], name: str) -> torch.Tensor:
    return F.layer_norm(x, x.shape[-1:], weights[f"{name}.weight"], weights[f"{name}.bias"], LAYER_NORM_EPS)
