using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CacheGen.Stores;

namespace CacheGen.Runtime.Tests.Stores;

/// <summary>docs/design.md S10, unit level: the pinned-CA callback never accepts what it must refuse.</summary>
public sealed class TlsValidationTests
{
    private static readonly DateTimeOffset s_now = new(2026, 11, 21, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void ValidateServerCertificate_ChainToThePinnedCa_IsAccepted()
    {
        using var ca = CreateCa("pinned");
        using var server = CreateServer(ca, "localhost");

        Assert.True(RedisConnectionSettings.ValidateServerCertificate(server, SslPolicyErrors.RemoteCertificateChainErrors, ca));
    }

    [Theory]
    [InlineData(SslPolicyErrors.RemoteCertificateNameMismatch)]
    [InlineData(SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateChainErrors)]
    [InlineData(SslPolicyErrors.RemoteCertificateNotAvailable)]
    public void ValidateServerCertificate_NameMismatchOrNoCertificate_IsNeverAccepted(SslPolicyErrors errors)
    {
        using var ca = CreateCa("pinned");
        using var server = CreateServer(ca, "localhost");

        Assert.False(RedisConnectionSettings.ValidateServerCertificate(server, errors, ca));
        Assert.False(RedisConnectionSettings.ValidateServerCertificate(null, SslPolicyErrors.None, ca));
    }

    [Fact]
    public void ValidateServerCertificate_ChainToAnotherCa_IsRefused_EvenIfTheSystemTrustsIt()
    {
        using var pinned = CreateCa("pinned");
        using var other = CreateCa("other");
        using var server = CreateServer(other, "localhost");

        // SslPolicyErrors.None: the system store accepted it; pinning still refuses a chain to another CA
        Assert.False(RedisConnectionSettings.ValidateServerCertificate(server, SslPolicyErrors.None, pinned));
    }

    private static X509Certificate2 CreateCa(string name)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        return request.CreateSelfSigned(s_now.AddDays(-1), s_now.AddYears(10));
    }

    private static X509Certificate2 CreateServer(X509Certificate2 ca, string host)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={host}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName(host);
        request.CertificateExtensions.Add(san.Build());
        return request.Create(ca, s_now.AddDays(-1), s_now.AddYears(5), [1, 2, 3, 4]);
    }
}
