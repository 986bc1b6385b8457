// Placeholder until the Tokenization module lands; replaced by its first real file.
