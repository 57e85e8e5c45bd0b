#!/usr/bin/env python3
"""Golden files for the PyTorch parity tests of TesseraNN (`make parity`).

PyTorch is several GB, too heavy for every test run, so this script runs once where it is
installed (the bench venv has it) and writes small JSON files to Tests/TesseraNNTests/Golden:
the inputs, the batches, the initial weights (PyTorch's own initialization), the loss of
every step and the final weights. `make test` checks Tessera against them
(ParityTests.swift): same model, same weights, same batches, same losses.

Usage: .venv/bin/python scripts/parity.py
"""
import json
import os

import torch
import torch.nn as nn

OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "TesseraNNTests", "Golden")
torch.set_default_dtype(torch.float32)


def flat(t: torch.Tensor) -> dict:
    return {"shape": list(t.shape), "values": [float(v) for v in t.detach().reshape(-1).tolist()]}


def run(name: str, model: nn.Module, layers: list, make_optimizer, loss_fn, loss_spec: dict, x, y, steps=20, batch=16, seed=0):
    """`layers` describes the model in Tessera's terms. Tessera folds an activation into the
    Dense layer before it, where PyTorch's Sequential numbers it as a module of its own, so
    the state-dict keys are renamed to Tessera's layer numbers ("names")."""
    torch.manual_seed(seed)
    modules = [m for m in model if not isinstance(m, (nn.ReLU, nn.Tanh))] if any(l["type"] == "Dense" and "activation" in l for l in layers) else list(model)
    index = {id(m): i for i, m in enumerate(modules)}
    names = {f"{j}.{k}": f"{index[id(m)]}.{k}" for j, m in enumerate(model) for k in m.state_dict() if k != "num_batches_tracked"}
    initial = {k: flat(v) for k, v in model.state_dict().items() if "num_batches_tracked" not in k}
    opt = make_optimizer(model.parameters())
    g = torch.Generator().manual_seed(seed)
    batches, losses = [], []
    model.train()
    for _ in range(steps):
        rows = torch.randint(0, x.shape[0], (batch,), generator=g)
        batches.append(rows.tolist())
        opt.zero_grad()
        loss = loss_fn(model(x[rows]), y[rows])
        loss.backward()
        opt.step()
        losses.append(float(loss.detach()))
    final = {k: flat(v) for k, v in model.state_dict().items() if "num_batches_tracked" not in k}
    model.eval()
    with torch.no_grad():
        evaluation = flat(model(x[:8]))
    doc = {"name": name, "layers": layers, "optimizer": opt.__class__.__name__, "optimizer_settings": opt.defaults_json,
           "loss": loss_spec, "names": names, "x": flat(x), "y": flat(y), "batches": batches, "initial": initial, "losses": losses,
           "final": final, "eval_outputs_first_8": evaluation, "torch": torch.__version__}
    with open(os.path.join(OUT, f"{name}.json"), "w") as f:
        json.dump(doc, f)
    print(f"{name}: {steps} steps, loss {losses[0]:.5f} -> {losses[-1]:.5f}")


def optimizer(cls, **settings):
    def make(params):
        opt = cls(params, **settings)
        opt.defaults_json = settings
        return opt
    return make


def main():
    torch.manual_seed(1)
    # A small classification set: 3 classes of 20 features.
    x = torch.randn(96, 20)
    y = (x[:, :3].argmax(dim=1)).float()
    ce = nn.CrossEntropyLoss()
    mlp = lambda: nn.Sequential(nn.Linear(20, 16), nn.ReLU(), nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 3))
    layers = [{"type": "Dense", "units": 16, "activation": "relu"}, {"type": "Dense", "units": 16, "activation": "relu"},
              {"type": "Dense", "units": 3}]
    # PyTorch's Sequential numbers the ReLUs too; Tessera folds activations into Dense, so the
    # test maps "0", "2", "4" to its layers 0, 1, 2.
    torch.manual_seed(2); run("mlp_adam", mlp(), layers, optimizer(torch.optim.Adam, lr=1e-2), lambda o, t: ce(o, t.long()),
                              {"type": "crossEntropy"}, x, y)
    torch.manual_seed(3); run("mlp_sgd_nesterov", mlp(), layers,
                              optimizer(torch.optim.SGD, lr=0.05, momentum=0.9, nesterov=True, weight_decay=1e-3),
                              lambda o, t: ce(o, t.long()), {"type": "crossEntropy"}, x, y)
    torch.manual_seed(4); run("mlp_adamw_smoothing", mlp(), layers, optimizer(torch.optim.AdamW, lr=5e-3, weight_decay=0.05),
                              lambda o, t: nn.CrossEntropyLoss(weight=torch.tensor([0.5, 1.0, 2.0]), label_smoothing=0.1)(o, t.long()),
                              {"type": "crossEntropy", "weights": [0.5, 1.0, 2.0], "labelSmoothing": 0.1}, x, y)
    torch.manual_seed(5); run("mlp_rmsprop_mse", nn.Sequential(nn.Linear(20, 16), nn.Tanh(), nn.Linear(16, 1)),
                              [{"type": "Dense", "units": 16, "activation": "tanh"}, {"type": "Dense", "units": 1}],
                              optimizer(torch.optim.RMSprop, lr=1e-3), lambda o, t: nn.MSELoss()(o.reshape(-1), t),
                              {"type": "meanSquaredError"}, x, x[:, 0] * 2 - x[:, 1])
    # Images: Conv2D + BatchNorm + ReLU + MaxPool + Dense, as the CNN in miniature.
    torch.manual_seed(6)
    images = torch.randn(64, 1, 8, 8)
    labels = (images[:, 0, :4, :].mean(dim=(1, 2)) > images[:, 0, 4:, :].mean(dim=(1, 2))).float()
    cnn = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1, bias=False), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(64, 2))
    layers = [{"type": "Conv2D", "filters": 4, "kernel": 3, "padding": 1, "bias": False}, {"type": "BatchNorm"}, {"type": "ReLU"},
              {"type": "MaxPool2D", "kernel": 2}, {"type": "Flatten"}, {"type": "Dense", "units": 2}]
    run("cnn_batchnorm_adam", cnn, layers, optimizer(torch.optim.Adam, lr=1e-2), lambda o, t: ce(o, t.long()),
        {"type": "crossEntropy"}, images, labels)


if __name__ == "__main__":
    main()
