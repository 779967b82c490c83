from __future__ import absolute_import
import theano
import theano.tensor as T
import numpy as np
from six.moves import range

epsilon = 1.0e-9

def mean_squared_error(y_true, y_pred):
    return T.sqr(y_pred - y_true).mean(axis=-1)

def mean_absolute_error(y_true, y_pred):
    return T.abs_(y_pred - y_true).mean(axis=-1)

def categorical_crossentropy(y_true, y_pred):
    '''y_true is one-hot (n_samples, n_classes).'''
    y_pred = T.clip(y_pred, epsilon, 1.0 - epsilon)
    # rows must sum to one again after clipping
    y_pred /= y_pred.sum(axis=-1, keepdims=True)
    return T.nnet.categorical_crossentropy(y_pred, y_true)

def binary_crossentropy(y_true, y_pred):
    y_pred = T.clip(y_pred, epsilon, 1.0 - epsilon)
    bce = T.nnet.binary_crossentropy(y_pred, y_true).mean(axis=-1)
    return bce

# aliases
mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error

from .utils.generic_utils import get_from_module
def get(identifier):
    return get_from_module(identifier, globals(), 'objective')
