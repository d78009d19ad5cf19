"""Raw little-endian tensor blobs for the reference scripts (models_reference.py,
zoo_reference.py): each write returns {offset, nbytes} for the JSON index the C++ tests read."""


class Blob:
    def __init__(self, path):
        self.file = open(path, "wb")
        self.offset = 0

    def write(self, tensor):
        array = tensor.detach().cpu().contiguous().numpy()
        data = array.astype(array.dtype.newbyteorder("<"), copy=False).tobytes()
        entry = {"offset": self.offset, "nbytes": len(data)}
        self.file.write(data)
        self.offset += len(data)
        return entry

    def close(self):
        self.file.close()
