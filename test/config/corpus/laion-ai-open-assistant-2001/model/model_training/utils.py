import yaml
from losses import CrossEntropyLoss, PolyLoss


def get_loss(loss, poly_eps):
    if loss == "CrossEntropyLoss":
        return CrossEntropyLoss()
    elif loss == "Poly":
        return PolyLoss(epsilon=poly_eps)
    raise ValueError(f"unknown loss {loss}")


def read_yamls(dir):
    conf = {}
    with open(f"{dir}/config.yaml") as f:
        conf.update(yaml.safe_load(f))
    return conf
