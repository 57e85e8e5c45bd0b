#!/usr/bin/env python3
"""Golden files for the parity tests of TesseraNN's sequence layers (`make parity`).

For each layer (Embedding with padding and the poolings over time, LayerNorm, LSTM, GRU,
MultiHeadAttention, TransformerEncoderBlock, positional encodings, Conv1D) PyTorch computes, at a
fixed seed: the forward output, the gradient of sum(output * R) (R a fixed random tensor)
with respect to the input and to every parameter. For four small text models it runs
three Adam steps and keeps each step's loss and the final weights. The files go to
Tests/TesseraNNTests/Golden/sequences/, in Tessera's layer settings and parameter names;
SequenceParityTests.swift replays them.

Usage: .venv/bin/python scripts/parity_sequences.py
"""
import json
import math
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "TesseraNNTests", "Golden", "sequences")
torch.set_default_dtype(torch.float32)


def flat(t):
    t = t.detach().float()
    return {"shape": list(t.shape), "values": [float(v) for v in t.reshape(-1).tolist()]}


def gelu_tanh(x):
    return F.gelu(x, approximate="tanh")


def save(name, doc):
    doc["name"] = name
    doc["torch"] = torch.__version__
    with open(os.path.join(OUT, f"{name}.json"), "w") as f:
        json.dump(doc, f)
    print(name)


def lengths_mask(lengths, length):
    return (torch.arange(length)[None, :] < torch.tensor(lengths)[:, None]).float()


def layer_case(name, layers, params, forward, x, mask=None, ids=None):
    """`params`: Tessera name → torch parameter; `forward(x)` the torch output."""
    inputs = ids if ids is not None else x.clone().requires_grad_(True)
    out = forward(inputs)
    r = torch.randn(out.shape, generator=torch.Generator().manual_seed(99))
    (out * r).sum().backward()
    doc = {"layers": layers, "input": flat(inputs), "weights": {k: flat(p) for k, p in params.items()},
           "output": flat(out), "r": flat(r), "grads": {k: flat(p.grad) for k, p in params.items()}}
    if ids is None:
        doc["input_grad"] = flat(inputs.grad)
    if mask is not None:
        doc["mask"] = flat(mask)
    save(name, doc)


def rnn_cases():
    for cell, kind in ((nn.LSTM, "LSTM"), (nn.GRU, "GRU")):
        for bidirectional in (False, True):
            for sequences in (False, True):
                torch.manual_seed(10)
                rnn = cell(5, 4, batch_first=True, bidirectional=bidirectional)
                x = torch.randn(3, 6, 5)
                lengths = [6, 4, 2]
                mask = lengths_mask(lengths, 6)

                def forward(x, rnn=rnn, bidirectional=bidirectional, sequences=sequences):
                    packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
                    out, state = rnn(packed)
                    h = state[0] if isinstance(state, tuple) else state
                    if sequences:
                        return pad_packed_sequence(out, batch_first=True, total_length=6)[0]
                    return torch.cat([h[0], h[1]], dim=1) if bidirectional else h[0]
                params = {f"0.{k}": p for k, p in rnn.named_parameters()}
                layers = [{"kind": kind, "units": 4, "returnSequences": sequences, "bidirectional": bidirectional}]
                tag = ("bi" if bidirectional else "uni") + ("_sequences" if sequences else "_last")
                layer_case(f"{kind.lower()}_{tag}_masked", layers, params, forward, x, mask=mask)
    # Without a mask: the plain walk.
    torch.manual_seed(11)
    lstm = nn.LSTM(5, 4, batch_first=True)
    layer_case("lstm_uni_sequences", [{"kind": "LSTM", "units": 4, "returnSequences": True}],
               {f"0.{k}": p for k, p in lstm.named_parameters()}, lambda x: lstm(x)[0], torch.randn(2, 5, 5))


def attention_cases():
    lengths = [5, 3, 1]
    mask = lengths_mask(lengths, 5)
    for causal in (False, True):
        torch.manual_seed(20)
        mha = nn.MultiheadAttention(8, 2, batch_first=True)
        x = torch.randn(3, 5, 8)
        attn_mask = torch.triu(torch.ones(5, 5, dtype=torch.bool), diagonal=1) if causal else None

        def forward(x, mha=mha, attn_mask=attn_mask):
            return mha(x, x, x, key_padding_mask=mask == 0, attn_mask=attn_mask, need_weights=False)[0]
        params = {"0.in_proj_weight": mha.in_proj_weight, "0.in_proj_bias": mha.in_proj_bias,
                  "0.out_proj.weight": mha.out_proj.weight, "0.out_proj.bias": mha.out_proj.bias}
        layer_case("mha_causal_masked" if causal else "mha_masked", [{"kind": "MultiHeadAttention", "heads": 2, "causal": causal}],
                   params, forward, x, mask=mask)
        torch.manual_seed(21)
        block = nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.0, activation=gelu_tanh, batch_first=True, norm_first=True)
        block.train()  # the inference fast path would zero padded positions

        def forward_block(x, block=block, causal=causal):
            return block(x, src_mask=torch.triu(torch.ones(5, 5, dtype=torch.bool), diagonal=1) if causal else None,
                         src_key_padding_mask=mask == 0, is_causal=causal)
        layer_case("block_causal_masked" if causal else "block_masked",
                   [{"kind": "TransformerEncoderBlock", "heads": 2, "feedForward": 16, "dropout": 0, "causal": causal}],
                   {f"0.{k}": p for k, p in block.named_parameters()}, forward_block, x, mask=mask)
    torch.manual_seed(22)
    norm = nn.LayerNorm(8)
    with torch.no_grad():
        norm.weight.copy_(torch.randn(8)); norm.bias.copy_(torch.randn(8))
    layer_case("layernorm", [{"kind": "LayerNorm"}], {"0.weight": norm.weight, "0.bias": norm.bias}, norm, torch.randn(3, 5, 8) * 3 + 1)


def embedding_cases():
    ids = torch.tensor([[3, 1, 4, 1, 5, 9], [2, 6, 5, 0, 0, 0], [7, 0, 0, 0, 0, 0]])
    mask = (ids != 0).float()
    for pooling in ("GlobalAveragePooling1D", "GlobalMaxPooling1D"):
        torch.manual_seed(30)
        emb = nn.Embedding(10, 4, padding_idx=0)

        def forward(ids, emb=emb, pooling=pooling):
            e = emb(ids.long())
            if pooling == "GlobalAveragePooling1D":
                return (e * mask[..., None]).sum(1) / mask.sum(1, keepdim=True)
            return e.masked_fill(mask[..., None] == 0, float("-inf")).max(dim=1).values
        layer_case(f"embedding_padding_{'average' if 'Average' in pooling else 'max'}",
                   [{"kind": "Embedding", "vocabulary": 10, "dimension": 4, "padding": 0}, {"kind": pooling}],
                   {"0.weight": emb.weight}, forward, None, ids=ids.float(), mask=mask)
    torch.manual_seed(31)
    x = torch.randn(2, 5, 6)
    table = torch.zeros(5, 6)
    for p in range(5):
        for j in range(6):
            angle = p / math.pow(10000, (j - j % 2) / 6)
            table[p, j] = math.sin(angle) if j % 2 == 0 else math.cos(angle)
    layer_case("positional_sinusoidal", [{"kind": "PositionalEncoding"}], {}, lambda x: x + table, x)
    learned = nn.Parameter(torch.randn(5, 6) * 0.02)
    layer_case("positional_learned", [{"kind": "PositionalEncoding", "learned": True}], {"0.weight": learned}, lambda x: x + learned, x)


def conv_cases():
    lengths = [6, 4, 2]
    mask = lengths_mask(lengths, 6)
    torch.manual_seed(50)
    conv = nn.Conv1d(5, 4, 3, padding=1)
    # Channels last as Tessera's (and Keras's) Conv1D; padded positions zeroed on the way in.
    layer_case("conv1d_same_gelu_masked", [{"kind": "Conv1D", "filters": 4, "kernel": 3, "padding": 1, "activation": "gelu"}],
               {"0.weight": conv.weight, "0.bias": conv.bias},
               lambda x: gelu_tanh(conv((x * mask[..., None]).transpose(1, 2)).transpose(1, 2)), torch.randn(3, 6, 5), mask=mask)
    torch.manual_seed(51)
    strided = nn.Conv1d(5, 3, 2, stride=2)
    layer_case("conv1d_stride", [{"kind": "Conv1D", "filters": 3, "kernel": 2, "stride": 2}],
               {"0.weight": strided.weight, "0.bias": strided.bias},
               lambda x: strided(x.transpose(1, 2)).transpose(1, 2), torch.randn(2, 7, 5))


class TextConv(nn.Module):
    """Embedding, a character-trigram convolution, max over time, Dense."""
    def __init__(self, vocab, width, classes):
        super().__init__()
        self.emb = nn.Embedding(vocab, width, padding_idx=0)
        self.conv = nn.Conv1d(width, 6, 3, padding=1)
        self.out = nn.Linear(6, classes)

    def forward(self, ids):
        mask = (ids != 0)
        h = gelu_tanh(self.conv(self.emb(ids).transpose(1, 2)).transpose(1, 2))
        return self.out(h.masked_fill(~mask[..., None], float("-inf")).max(1).values)

    def tessera(self):
        return {"0.weight": self.emb.weight, "1.weight": self.conv.weight, "1.bias": self.conv.bias,
                "3.weight": self.out.weight, "3.bias": self.out.bias}


class TextTransformer(nn.Module):
    def __init__(self, vocab, width, classes, length, causal=False):
        super().__init__()
        self.emb = nn.Embedding(vocab, width, padding_idx=None if causal else 0)
        self.pos = nn.Parameter(torch.randn(length, width) * 0.02)
        self.block = nn.TransformerEncoderLayer(width, 2, dim_feedforward=16, dropout=0.0, activation=gelu_tanh, batch_first=True, norm_first=True)
        self.out = nn.Linear(width, classes)
        self.causal = causal

    def forward(self, ids):
        mask = (ids != 0).float()
        h = self.emb(ids) + self.pos
        if self.causal:
            h = self.block(h, src_mask=nn.Transformer.generate_square_subsequent_mask(ids.shape[1]), is_causal=True)
            return self.out(h)
        h = self.block(h, src_key_padding_mask=mask == 0)
        return self.out((h * mask[..., None]).sum(1) / mask.sum(1, keepdim=True))

    def tessera(self):
        names = {"0.weight": self.emb.weight, "1.weight": self.pos}
        names.update({f"2.{k}": p for k, p in self.block.named_parameters()})
        names.update({"4.weight" if not self.causal else "3.weight": self.out.weight, "4.bias" if not self.causal else "3.bias": self.out.bias})
        return names


class TextLSTM(nn.Module):
    def __init__(self, vocab, width, classes):
        super().__init__()
        self.emb = nn.Embedding(vocab, width, padding_idx=0)
        self.lstm = nn.LSTM(width, 6, batch_first=True, bidirectional=True)
        self.out = nn.Linear(12, classes)

    def forward(self, ids):
        lengths = (ids != 0).sum(1)
        _, (h, _) = self.lstm(pack_padded_sequence(self.emb(ids), lengths, batch_first=True, enforce_sorted=False))
        return self.out(torch.cat([h[0], h[1]], dim=1))

    def tessera(self):
        names = {"0.weight": self.emb.weight}
        names.update({f"1.{k}": p for k, p in self.lstm.named_parameters()})
        names.update({"2.weight": self.out.weight, "2.bias": self.out.bias})
        return names


def model_case(name, model, layers, ids, labels, steps=3, lr=1e-2):
    model.train()
    params = model.tessera()
    initial = {k: flat(p) for k, p in params.items()}
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        out = model(ids)
        loss = F.cross_entropy(out.reshape(-1, out.shape[-1]), labels.reshape(-1))
        loss.backward()
        opt.step()
        losses.append(loss.item())
    save(name, {"layers": layers, "ids": flat(ids), "labels": flat(labels), "lr": lr, "initial": initial, "losses": losses,
                "final": {k: flat(p) for k, p in params.items()}})


def model_cases():
    g = torch.Generator().manual_seed(40)
    lengths = [7, 5, 3, 6, 1, 7, 2, 4]
    ids = torch.randint(1, 12, (8, 7), generator=g) * lengths_mask(lengths, 7).long()
    labels = torch.randint(0, 3, (8,), generator=g)
    torch.manual_seed(41)
    model_case("text_transformer_adam", TextTransformer(12, 8, 3, 7),
               [{"kind": "Embedding", "vocabulary": 12, "dimension": 8, "padding": 0}, {"kind": "PositionalEncoding", "learned": True},
                {"kind": "TransformerEncoderBlock", "heads": 2, "feedForward": 16, "dropout": 0}, {"kind": "GlobalAveragePooling1D"},
                {"kind": "Dense", "units": 3}], ids, labels)
    torch.manual_seed(42)
    model_case("text_lstm_adam", TextLSTM(12, 8, 3),
               [{"kind": "Embedding", "vocabulary": 12, "dimension": 8, "padding": 0}, {"kind": "LSTM", "units": 6, "bidirectional": True},
                {"kind": "Dense", "units": 3}], ids, labels)
    torch.manual_seed(43)
    text = torch.randint(0, 12, (6, 9), generator=g)
    model_case("causal_lm_adam", TextTransformer(12, 8, 12, 8, causal=True),
               [{"kind": "Embedding", "vocabulary": 12, "dimension": 8}, {"kind": "PositionalEncoding", "learned": True},
                {"kind": "TransformerEncoderBlock", "heads": 2, "feedForward": 16, "dropout": 0, "causal": True}, {"kind": "Dense", "units": 12}],
               text[:, :-1], text[:, 1:])
    torch.manual_seed(44)
    model_case("text_conv_adam", TextConv(12, 8, 3),
               [{"kind": "Embedding", "vocabulary": 12, "dimension": 8, "padding": 0},
                {"kind": "Conv1D", "filters": 6, "kernel": 3, "padding": 1, "activation": "gelu"}, {"kind": "GlobalMaxPooling1D"},
                {"kind": "Dense", "units": 3}], ids, labels)


def main():
    os.makedirs(OUT, exist_ok=True)
    rnn_cases()
    attention_cases()
    embedding_cases()
    conv_cases()
    model_cases()


if __name__ == "__main__":
    main()
