"""Word embeddings: preparing a corpus, GloVe's kernels, word vectors and their operations,
intrinsic benchmarks, bias measurement and de-biasing. The estimators (Word2Vec, GloVe, one-hot,
pretrained) live in `embedlab.methods.word`; contextual vectors in
`embedlab.analysis.contextual`."""

from embedlab.words.vectors import WordScore, WordVectors, load_word_vectors

__all__ = ["WordScore", "WordVectors", "load_word_vectors"]
