// Placeholder until the Media module lands; replaced by its first real file.
