# Binary classifier trained with Keras' binary_crossentropy (Theano backend, floatX=float32)
from __future__ import print_function
import numpy as np

from keras.models import Sequential
from keras.layers.core import Dense, Dropout, Activation
from keras.optimizers import SGD

X_train = np.load('data/X_train.npy').astype('float32')
y_train = np.load('data/y_train.npy').astype('float32')

model = Sequential()
model.add(Dense(X_train.shape[1], 256, init='glorot_uniform'))
model.add(Activation('relu'))
model.add(Dropout(0.5))
model.add(Dense(256, 256, init='glorot_uniform'))
model.add(Activation('relu'))
model.add(Dropout(0.5))
model.add(Dense(256, 1, init='glorot_uniform'))
model.add(Activation('sigmoid'))

sgd = SGD(lr=0.01, decay=1e-6, momentum=0.9, nesterov=True)
model.compile(loss='binary_crossentropy', optimizer=sgd)

model.fit(X_train, y_train, nb_epoch=20, batch_size=128, validation_split=0.1, show_accuracy=True, verbose=1)
