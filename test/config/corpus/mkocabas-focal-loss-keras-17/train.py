# Multi-label attribute classifier trained with the focal loss from focal_loss.py
import numpy as np
from keras.applications import ResNet50
from keras.layers import Dense, GlobalAveragePooling2D
from keras.models import Model
from keras.optimizers import Adam

from focal_loss import focal_loss

NUM_ATTRS = 40
BATCH_SIZE = 32
EPOCHS = 20

base = ResNet50(include_top=False, weights='imagenet', input_shape=(218, 178, 3))
x = GlobalAveragePooling2D()(base.output)
out = Dense(NUM_ATTRS, activation='sigmoid')(x)
model = Model(base.input, out)

optimizer = Adam(lr=1e-4)
model.compile(optimizer=optimizer, loss=[focal_loss(alpha=.25, gamma=2)], metrics=['accuracy'])

x_train = np.load('data/x_train.npy').astype('float32') / 255.
y_train = np.load('data/y_train.npy').astype('float32')  # 0/1 attribute labels
x_val = np.load('data/x_val.npy').astype('float32') / 255.
y_val = np.load('data/y_val.npy').astype('float32')

model.fit(x_train, y_train, batch_size=BATCH_SIZE, epochs=EPOCHS,
          validation_data=(x_val, y_val))
