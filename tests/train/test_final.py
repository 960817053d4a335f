"""`train_and_test`: train, then score on the test split; full training folds validation images in."""

from __future__ import annotations

from eas.train import TrainConfig, evaluate, evaluate_with_flips, train_and_test
from tests.train.test_fit import toy_data, toy_model


def test_train_and_test_scores_the_test_split() -> None:
    data = toy_data()
    final = train_and_test(toy_model(), data, TrainConfig(epochs=3, batch_size=16), full_train=False)
    assert final.test_accuracy is not None and 0.0 <= final.test_accuracy <= 1.0
    assert final.result.images_seen == 3 * len(data.train)
    assert final.to_dict()["test_accuracy"] == final.test_accuracy and final.wall_seconds > 0


def test_full_training_uses_the_validation_images_too() -> None:
    data = toy_data()
    final = train_and_test(toy_model(), data, TrainConfig(epochs=1, batch_size=16), full_train=True)
    assert final.result.images_seen == len(data.train) + len(data.validation)


def test_a_diverged_training_has_no_test_accuracy() -> None:
    config = TrainConfig(epochs=2, batch_size=16, learning_rate=1e12)
    final = train_and_test(toy_model(), toy_data(), config, full_train=False)
    assert final.result.diverged and final.test_accuracy is None


def test_a_dataset_that_flips_is_also_scored_with_flip_averaging() -> None:
    data = toy_data(flip=True)
    model = toy_model()
    final = train_and_test(model, data, TrainConfig(epochs=1, batch_size=16), full_train=False)
    expected = evaluate_with_flips(model, data.test, data.info)[1].accuracy
    assert final.flip_average_test_accuracy == expected
    assert final.test_accuracy == evaluate(model, data.test, data.info).accuracy
    assert final.to_dict()["flip_average_test_accuracy"] == expected


def test_a_dataset_that_never_flips_has_no_flip_averaged_figure() -> None:
    final = train_and_test(toy_model(), toy_data(), TrainConfig(epochs=1, batch_size=16), full_train=False)
    assert final.test_accuracy is not None and final.flip_average_test_accuracy is None
    assert final.to_dict()["flip_average_test_accuracy"] is None


def test_a_training_without_augmentation_saw_no_flips_and_has_no_flip_averaged_figure() -> None:
    config = TrainConfig(epochs=1, batch_size=16, augment=False)
    final = train_and_test(toy_model(), toy_data(flip=True), config, full_train=False)
    assert final.test_accuracy is not None and final.flip_average_test_accuracy is None
