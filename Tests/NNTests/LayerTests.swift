import CPUBackend
import NN
import Tensor
import TestSupport
import Testing

/// Linear, norms and the feed-forward block against tools/fixtures/make_nn_fixtures.py. Each
/// module is loaded through WeightScope from its checkpoint keys, then must have used every weight.
@Suite struct LayerTests {
    let backend = CPUBackend()

    // w = randn(24, 16)/4, b = randn(24), x = randn(2, 5, 16); out = F.linear(x, w, b)
    // Tolerance.float32: a dot product over 16 terms, summation order differs.
    @Test func linear() throws {
        let fixture = try NNFixture("linear")
        let layer = try Linear(scope: fixture.scope["blocks"][0]["attn1"]["to_q"], inFeatures: 16, outFeatures: 24)
        try fixture.verifyAllWeightsUsed()
        #expect(layer.inFeatures == 16 && layer.outFeatures == 24)
        expectMatch(try layer(try fixture.io("x"), on: backend), try fixture.io("out"), .float32, "linear")
    }

    // w = randn(8, 12)/√12, x = randn(3, 12); out = F.linear(x, w)  (T5's bias-free q)
    @Test func linearWithoutBias() throws {
        let fixture = try NNFixture("linear_nobias")
        let layer = try Linear(scope: fixture.scope["encoder.block.0.layer.0.SelfAttention.q"],
                               inFeatures: 12, outFeatures: 8, bias: false)
        try fixture.verifyAllWeightsUsed()
        #expect(layer.bias == nil)
        expectMatch(try layer(try fixture.io("x"), on: backend), try fixture.io("out"), .float32, "linear_nobias")
    }

    // A bf16 load: the layer declares its precision and the weights arrive converted.
    @Test func linearLoadsInDeclaredDType() throws {
        let fixture = try NNFixture("linear")
        let layer = try Linear(scope: fixture.scope["blocks.0.attn1.to_q"], inFeatures: 16, outFeatures: 24,
                               dtype: .bfloat16)
        #expect(layer.weight.dtype == .bfloat16 && layer.bias?.dtype == .bfloat16)
    }

    // norm = nn.LayerNorm(32, eps=1e-6, elementwise_affine=True) with weight 1 + 0.3·randn,
    // bias 0.2·randn; x = randn(2, 7, 32); out = norm(x)
    @Test func layerNormAffine() throws {
        let fixture = try NNFixture("layernorm_affine")
        let norm = try LayerNorm(scope: fixture.scope["blocks.0.norm2"], dimension: 32, eps: 1e-6)
        try fixture.verifyAllWeightsUsed()
        expectMatch(try norm(try fixture.io("x"), on: backend), try fixture.io("out"), .float32Elementwise,
                    "layernorm_affine")
    }

    // x = 3·randn(2, 5, 32) + 1; out = nn.LayerNorm(32, eps=1e-6, elementwise_affine=False)(x)
    @Test func layerNormPlain() throws {
        let fixture = try NNFixture("layernorm_plain")
        let norm = try LayerNorm(scope: fixture.scope["blocks.0.norm1"], dimension: 32, eps: 1e-6, affine: false)
        try fixture.verifyAllWeightsUsed()
        #expect(norm.weight == nil && norm.bias == nil)
        let parameterFree = LayerNorm(eps: 1e-6)
        for (layer, label) in [(norm, "layernorm_plain"), (parameterFree, "layernorm_plain (no scope)")] {
            expectMatch(try layer(try fixture.io("x"), on: backend), try fixture.io("out"), .float32Elementwise, label)
        }
    }

    // w = 1 + 0.3·randn(32), x = randn(2, 6, 32)
    // out = x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-6) * w  (diffusers RMSNorm, fp32)
    @Test func rmsNorm() throws {
        let fixture = try NNFixture("rmsnorm")
        let norm = try RMSNorm(scope: fixture.scope["blocks.0.attn1.norm_q"], dimension: 32, eps: 1e-6)
        try fixture.verifyAllWeightsUsed()
        expectMatch(try norm(try fixture.io("x"), on: backend), try fixture.io("out"), .float32Elementwise, "rmsnorm")
    }

    // gamma = 1 + 0.3·randn(8, 1, 1, 1), x = randn(1, 8, 3, 4, 5) with x[:, :, 0, 0, 0] = 0
    // out = F.normalize(x, dim=1) * 8**0.5 * gamma + 0.0  (WanRMS_norm, images=False, bias=False)
    @Test func channelRMSNormVideo() throws {
        let fixture = try NNFixture("channel_rmsnorm_video")
        let norm = try ChannelRMSNorm(scope: fixture.scope["encoder.down_blocks.0.norm1"], channels: 8)
        try fixture.verifyAllWeightsUsed()
        #expect(norm.bias == nil && norm.channels == 8)
        let out = try norm(try fixture.io("x"), on: backend)  // [1, 8, 3, 4, 5]
        expectMatch(out, try fixture.io("out"), .float32Elementwise, "channel_rmsnorm_video")
        // The zero channel vector at (t, h, w) = (0, 0, 0) stays zero, as with F.normalize's clamp.
        let values = out.floats()
        #expect((0..<8).allSatisfy { values[$0 * 60] == 0 })
    }

    // gamma = 1 + 0.3·randn(6, 1, 1), bias = 0.2·randn(6, 1, 1), x = randn(2, 6, 3, 4)
    // out = F.normalize(x, dim=1) * 6**0.5 * gamma + bias  (WanRMS_norm, images=True, bias=True)
    @Test func channelRMSNormImagesWithBias() throws {
        let fixture = try NNFixture("channel_rmsnorm_image_bias")
        let norm = try ChannelRMSNorm(scope: fixture.scope["mid_block.attentions.0.norm"], channels: 6, images: true)
        try fixture.verifyAllWeightsUsed()
        #expect(norm.bias != nil)
        expectMatch(try norm(try fixture.io("x"), on: backend), try fixture.io("out"), .float32Elementwise,
                    "channel_rmsnorm_image_bias")
    }

    @Test func channelRMSNormRejectsWrongRank() throws {
        let fixture = try NNFixture("channel_rmsnorm_video")
        let norm = try ChannelRMSNorm(scope: fixture.scope["encoder.down_blocks.0.norm1"], channels: 8)
        #expect(throws: TensorError.self) { try norm(Tensor(zeros: [1, 8, 4, 5]), on: backend) }
    }

    // w0 = randn(40, 16)/4, b0 = randn(40), w2 = randn(16, 40)/√40, b2 = randn(16), x = randn(2, 3, 16)
    // out = F.linear(F.gelu(F.linear(x, w0, b0), approximate="tanh"), w2, b2)
    //   (diffusers FeedForward(16, inner_dim=40, activation_fn="gelu-approximate"))
    // Tolerance.float32: two matmuls (16 and 40 terms) around the tanh GELU.
    @Test func feedForward() throws {
        let fixture = try NNFixture("feedforward")
        let ffn = try FeedForward(scope: fixture.scope["blocks.0.ffn"], dimension: 16, hiddenDimension: 40)
        try fixture.verifyAllWeightsUsed()
        expectMatch(try ffn(try fixture.io("x"), on: backend), try fixture.io("out"), .float32, "feedforward")
    }
}
