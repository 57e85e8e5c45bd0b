import Foundation
import TesseraNN
import TesseraTensor

// Two interleaved half-moons: a problem no straight line separates, so the hidden layer
// has to learn. Inputs [n, 2], labels 0 and 1.
var rng = RandomGenerator(seed: 7)
let n = 1000
var points: [Float] = [], labels: [Float] = []
for i in 0..<n {
    let label = i % 2
    let angle = Double.pi * rng.nextDouble()
    let (x, y) = label == 0 ? (cos(angle), sin(angle)) : (1 - cos(angle), 0.5 - sin(angle))
    points += [Float(x + 0.1 * rng.nextNormal()), Float(y + 0.1 * rng.nextNormal())]
    labels.append(Float(label))
}
let features = Tensor(shape: [n, 2], storage: points)
let targets = Tensor(shape: [n], storage: labels)

let model = Sequential([Dense(32, activation: .relu), Dense(32, activation: .relu), Dense(2)], seed: 1)
let backend = OpenBLASBackend()
let trainer = Trainer(model: model, loss: .crossEntropy(), optimizer: Adam(lr: 0.01), backend: backend,
                      options: TrainingOptions(epochs: 30, batchSize: 32, seed: 1))
let history = try trainer.fit(features, targets)

// Accuracy on the training points: the class with the larger score.
let scores = try model.predict(features, backend: backend)
var correct = 0
for i in 0..<n where (scores.storage[2 * i + 1] > scores.storage[2 * i] ? 1 : 0) == Int(labels[i]) { correct += 1 }
let losses = history.series("loss")
print("loss \(losses.first!) -> \(losses.last!)")
print("accuracy \(Double(correct) / Double(n))")
