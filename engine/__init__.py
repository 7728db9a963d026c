"""The kitchen's engine: microGPT in numpy, number for number.

One concept per module:

- ``tokenizer``  letters and the service bell as course numbers
- ``data``       the 32,033 past menus (names), from KITCHEN_NAMES or a verified download
- ``autograd``   the scalar ``Value`` the story teaches, with graph export
- ``model``      parameters, the forward pass and its hand-written backward pass
- ``optim``      Adam (the old master) and plain SGD
- ``train``      training as a generator of one record per step
- ``sample``     batched sampling with temperature, prefix and seed
- ``inspect``    everything the widgets show about one name
- ``lens``       the whole line at one course, and the vote at each station (a logit lens)
- ``game``       the guessing game's stakes, scored like the scorecard
- ``checkpoint`` the .npz format and the shipped default model
- ``reference``  the same model built from scalar ``Value``s, for checking

Nothing here imports anything but numpy and the standard library.
"""
