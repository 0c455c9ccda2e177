using System.Net;
using CacheGen.Stores;

namespace CacheGen.Runtime.Tests.Stores;

public sealed class RedisConnectionSettingsTests
{
    private const string Password = "s3cret-Pw";

    private static readonly CacheGenOptions s_options = new() { ConnectTimeoutMs = 1234 };

    [Fact]
    public void Parse_UrlWithPasswordPortAndDatabase_SetsEndpointPasswordAndDatabase()
    {
        // arrange, act
        var config = RedisConnectionSettings.Parse("redis://:pw@host:6380/2", s_options);

        // assert
        var endpoint = Assert.IsType<DnsEndPoint>(Assert.Single(config.EndPoints));
        Assert.Equal("host", endpoint.Host);
        Assert.Equal(6380, endpoint.Port);
        Assert.Equal("pw", config.Password);
        Assert.Equal(2, config.DefaultDatabase);
        Assert.False(config.Ssl);
        Assert.False(config.AbortOnConnectFail);
        Assert.Equal(1234, config.ConnectTimeout);
        Assert.True(config.ConfigCheckSeconds <= 5);
    }

    [Fact]
    public void Parse_BareUrl_UsesDefaultPortAndNoPassword()
    {
        // arrange, act
        var config = RedisConnectionSettings.Parse("redis://cache.internal", s_options);

        // assert
        var endpoint = Assert.IsType<DnsEndPoint>(Assert.Single(config.EndPoints));
        Assert.Equal(6379, endpoint.Port);
        Assert.Null(config.Password);
        Assert.Null(config.DefaultDatabase);
    }

    [Fact]
    public void Parse_TlsUrl_SetsSslAndSslHost()
    {
        // arrange, act
        var config = RedisConnectionSettings.Parse("rediss://:pw@cache.example.com:6380", s_options);

        // assert
        Assert.True(config.Ssl);
        Assert.Equal("cache.example.com", config.SslHost);
        Assert.Equal(6380, Assert.IsType<DnsEndPoint>(Assert.Single(config.EndPoints)).Port);
    }

    [Fact]
    public void Parse_UrlWithEscapedPassword_Unescapes()
    {
        // arrange, act
        var config = RedisConnectionSettings.Parse("redis://:p%40ss%3Aw%2Frd@host", s_options);

        // assert
        Assert.Equal("p@ss:w/rd", config.Password);
    }

    [Fact]
    public void Parse_UrlWithDefaultUser_IsAccepted()
    {
        // arrange, act
        var config = RedisConnectionSettings.Parse("redis://default:" + Password + "@host", s_options);

        // assert
        Assert.Equal(Password, config.Password);
    }

    [Fact]
    public void Parse_UrlWithIpv6Host_ConnectsToTheAddress()
    {
        // arrange, act
        var config = RedisConnectionSettings.Parse("redis://:pw@[::1]:6380", s_options);

        // assert
        var endpoint = Assert.IsType<IPEndPoint>(Assert.Single(config.EndPoints));
        Assert.Equal(IPAddress.IPv6Loopback, endpoint.Address);
        Assert.Equal(6380, endpoint.Port);
    }

    [Fact]
    public void Parse_UrlWithAclUser_SendsTheUserName()
    {
        // arrange, act
        var config = RedisConnectionSettings.Parse("redis://alice:" + Password + "@host:6379", s_options);

        // assert
        Assert.Equal(("alice", Password), (config.User, config.Password));
        Assert.DoesNotContain(Password, config.ToString(includePassword: false), StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_Defaults_FailFastWithoutBacklogAndTheOperationTimeoutAsAsyncTimeout()
    {
        // arrange, act
        var config = RedisConnectionSettings.Parse("localhost:6379", s_options);

        // assert: nothing is queued while disconnected; StackExchange.Redis's own bound is at least the operation timeout
        Assert.False(config.BacklogPolicy.QueueWhileDisconnected);
        Assert.Equal(5000, config.AsyncTimeout);
        Assert.False(config.IncludeDetailInExceptions);
    }

    [Theory]
    [InlineData("redis://:" + Password + "@host:notaport")]
    [InlineData("redis://:" + Password + "@host:6379/notadb")]
    [InlineData("redis://:" + Password + "@host:6379/-1")]
    [InlineData("redis://:" + Password + "@/2")]
    [InlineData("host:6379,password=" + Password + ",unknownoption=1")]
    [InlineData("host:6379,password=" + Password + ",ssl=maybe")]
    [InlineData("host:6379,password=" + Password + ",connectTimeout=soon")]
    [InlineData("host:99999,password=" + Password)]
    [InlineData("password=" + Password)]
    [InlineData("host:notaport,password=" + Password)]
    public void Parse_Malformed_ThrowsFormatExceptionWithoutThePassword(string connection)
    {
        // arrange, act
        var e = Assert.Throws<FormatException>(() => RedisConnectionSettings.Parse(connection, s_options));

        // assert
        Assert.DoesNotContain(Password, e.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_ConnectionStringAskingToAbortOnConnectFail_IsOverridden()
    {
        // arrange, act
        var config = RedisConnectionSettings.Parse("localhost:6379,abortConnect=true,password=" + Password, s_options);

        // assert
        Assert.False(config.AbortOnConnectFail);
        Assert.Equal(Password, config.Password);
    }

    [Fact]
    public void Parse_ConnectionStringWithConnectTimeout_KeepsIt()
    {
        // arrange, act
        var explicitTimeout = RedisConnectionSettings.Parse("localhost:6379,connectTimeout=5000", s_options);
        var implicitTimeout = RedisConnectionSettings.Parse("localhost:6379", s_options);

        // assert
        Assert.Equal(5000, explicitTimeout.ConnectTimeout);
        Assert.Equal(1234, implicitTimeout.ConnectTimeout);
    }

    [Fact]
    public void Describe_Config_NamesEndpointsNeverThePassword()
    {
        // arrange
        var config = RedisConnectionSettings.Parse("rediss://:" + Password + "@cache.example.com:6380/3", s_options);

        // act
        string description = RedisConnectionSettings.Describe(config);

        // assert
        Assert.Contains("cache.example.com", description, StringComparison.Ordinal);
        Assert.Contains("TLS", description, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, description, StringComparison.Ordinal);
    }
}
