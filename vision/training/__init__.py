"""Training the classifier: nothing on the reader's path imports this package.

``datasets`` reads MNIST and the handwritten letters (checked on load), ``augment`` makes MNIST look
like camera crops (TensorFlow ops), ``model`` is the network and its evaluation figures, ``fit``
mixes the data and fits it, from scratch or as the owner's fine-tune, under one ``FitConfig``, and
``card`` writes the model files and the model card. Only this package (and the tools on top of it)
imports TensorFlow, and only inside functions or in ``augment``, so ``import vision.training.fit``
stays cheap for ``train_model.py --help``.
"""
