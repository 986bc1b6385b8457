"""The bundled model's configuration: clip geometry and the sizes of its four parts. One place, read by
every training and export script."""

WIDTH = HEIGHT = 256
FRAMES = 17  # 4k+1: five latent frames
FPS = 8  # 17 frames at 8 fps: 2.1 s

VAE = dict(base_dim=16, z_dim=16, dim_mult=[1, 2, 4, 4], num_res_blocks=1, attn_scales=[],
           temperal_downsample=[False, True, True], dropout=0.0)

TOKENIZER_VOCAB = 400

TEXT_ENCODER = dict(d_model=128, d_kv=32, num_heads=4, d_ff=256, num_layers=2, num_decoder_layers=0,
                    relative_attention_num_buckets=32, relative_attention_max_distance=128, dropout_rate=0.0,
                    feed_forward_proj="gated-gelu", layer_norm_epsilon=1e-6, pad_token_id=0, eos_token_id=1,
                    decoder_start_token_id=0, tie_word_embeddings=False)

TRANSFORMER = dict(patch_size=(1, 4, 4), num_attention_heads=4, attention_head_dim=64, in_channels=16, out_channels=16,
                   text_dim=128, freq_dim=256, ffn_dim=1024, num_layers=6, cross_attn_norm=True,
                   qk_norm="rms_norm_across_heads", eps=1e-6, rope_max_seq_len=1024)

MAX_TEXT_TOKENS = 512  # the Wan pipeline pads the prompt states to 512 rows
FLOW_SHIFT = 3.0
