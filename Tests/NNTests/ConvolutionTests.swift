import CPUBackend
import NN
import Tensor
import TestSupport
import Testing

/// Conv3d (plain, causal, with a frame cache) and Conv2d against tools/fixtures/make_nn_fixtures.py.
/// Tolerance.float32 throughout: each output sums 27 to 81 products, in another order than PyTorch.
@Suite struct ConvolutionTests {
    let backend = CPUBackend()

    // w = randn(6, 3, 3, 3, 3)/√81, b = randn(6), x = randn(1, 3, 4, 5, 6)
    // out = F.conv3d(F.pad(x, (1, 1, 1, 1, 2, 0)), w, b)  (WanCausalConv3d(3, 6, 3, padding=1))
    @Test func causalConv3d() throws {
        let fixture = try NNFixture("conv3d_causal")
        let conv = try Conv3d(scope: fixture.scope["encoder.conv_in"], inChannels: 3, outChannels: 6,
                              kernel: [3, 3, 3], padding: [1, 1, 1], causal: true)
        try fixture.verifyAllWeightsUsed()
        #expect(conv.effectivePadding == Padding3D(time: (2, 0), height: (1, 1), width: (1, 1)))
        let out = try conv(try fixture.io("x"), on: backend)  // [1, 6, 4, 5, 6]
        expectMatch(out, try fixture.io("out"), .float32, "conv3d_causal")
        // Without a cache the cached call is the plain one.
        expectMatch(try conv(try fixture.io("x"), cache: nil, on: backend), out, .exact, "conv3d_causal (cache nil)")
    }

    // w = randn(4, 3, 3, 3, 3)/√81, b = randn(4), cache = randn(1, 3, 2, 4, 5), x = randn(1, 3, 3, 4, 5)
    // out_cache2 = F.conv3d(F.pad(torch.cat([cache, x], 2), (1, 1, 1, 1, 0, 0)), w, b)
    // out_cache1 = F.conv3d(F.pad(torch.cat([cache[:, :, 1:], x], 2), (1, 1, 1, 1, 1, 0)), w, b)
    @Test func causalConv3dWithCache() throws {
        let fixture = try NNFixture("conv3d_cache")
        let conv = try Conv3d(scope: fixture.scope["decoder"]["conv_in"], inChannels: 3, outChannels: 4,
                              kernel: [3, 3, 3], padding: [1, 1, 1], causal: true)
        try fixture.verifyAllWeightsUsed()
        let x = try fixture.io("x"), cache = try fixture.io("cache")  // [1, 3, 3, 4, 5], [1, 3, 2, 4, 5]
        expectMatch(try conv(x, cache: cache, on: backend), try fixture.io("out_cache2"), .float32, "conv3d_cache2")
        let lastFrame = try backend.slice(cache, axis: 2, start: 1, end: 2)  // [1, 3, 1, 4, 5]
        expectMatch(try conv(x, cache: lastFrame, on: backend), try fixture.io("out_cache1"), .float32, "conv3d_cache1")
    }

    // A cache longer than the padding keeps only its last 2·p_t frames (PyTorch's F.pad with a
    // negative front pad crops the rest): prepending a junk frame changes nothing.
    @Test func longCacheKeepsLastFrames() throws {
        let fixture = try NNFixture("conv3d_cache")
        let conv = try Conv3d(scope: fixture.scope["decoder.conv_in"], inChannels: 3, outChannels: 4,
                              kernel: [3, 3, 3], padding: [1, 1, 1], causal: true)
        let x = try fixture.io("x"), cache = try fixture.io("cache")
        let junk = Tensor(filling: 7, shape: [1, 3, 1, 4, 5])
        let longCache = try backend.concat([junk, cache], axis: 2)  // [1, 3, 3, 4, 5]
        expectMatch(try conv(x, cache: longCache, on: backend), try conv(x, cache: cache, on: backend), .exact,
                    "conv3d long cache")
    }

    // w = randn(4, 4, 3, 1, 1)/√12, b = randn(4), x = randn(1, 4, 5, 3, 3)
    // out = F.conv3d(x, w, b, stride=(2, 1, 1))  (the VAE's downsample3d time_conv, no padding)
    @Test func stridedTimeConv3d() throws {
        let fixture = try NNFixture("conv3d_time_stride")
        let conv = try Conv3d(scope: fixture.scope["encoder.down_blocks.5.time_conv"], inChannels: 4, outChannels: 4,
                              kernel: [3, 1, 1], stride: [2, 1, 1], causal: true)
        try fixture.verifyAllWeightsUsed()
        #expect(conv.effectivePadding == .symmetric(0, 0, 0))
        expectMatch(try conv(try fixture.io("x"), on: backend), try fixture.io("out"), .float32, "conv3d_time_stride")
    }

    // w = randn(5, 4, 3, 3)/√36, b = randn(5), x = randn(1, 4, 6, 7); out = F.conv2d(x, w, b, padding=1)
    @Test func conv2d() throws {
        let fixture = try NNFixture("conv2d")
        let conv = try Conv2d(scope: fixture.scope["decoder.up_blocks.2.upsamplers.0.resample.1"], inChannels: 4,
                              outChannels: 5, kernel: [3, 3], padding: [1, 1])
        try fixture.verifyAllWeightsUsed()
        expectMatch(try conv(try fixture.io("x"), on: backend), try fixture.io("out"), .float32, "conv2d")
    }

    @Test func wrongKernelSizeIsAShapeError() throws {
        let fixture = try NNFixture("conv3d_causal")
        let error = #expect(throws: WeightLoadError.self) {
            try Conv3d(scope: fixture.scope["encoder.conv_in"], inChannels: 3, outChannels: 6, kernel: [1, 3, 3])
        }
        #expect(error?.description == "\(fixture.file.description): tensor \"encoder.conv_in.weight\" has shape "
                + "[6, 3, 3, 3, 3], expected [6, 3, 1, 3, 3]")
    }

    @Test func malformedTriplesAreRejected() throws {
        let fixture = try NNFixture("conv3d_causal")
        #expect(throws: TensorError.self) {
            try Conv3d(scope: fixture.scope["encoder.conv_in"], inChannels: 3, outChannels: 6, kernel: [3, 3])
        }
    }
}
