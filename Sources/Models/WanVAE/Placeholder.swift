// Placeholder until the WanVAE module lands; replaced by its first real file.
