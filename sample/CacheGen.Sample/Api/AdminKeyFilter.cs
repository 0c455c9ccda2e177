using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace CacheGen.Sample.Api;

/// <summary>Lets a request through only with the configured <c>X-Admin-Key</c>; otherwise a 401 problem.</summary>
public sealed class AdminKeyFilter(IOptions<SampleOptions> options) : IEndpointFilter
{
    /// <summary>The request header holding the key.</summary>
    public const string HeaderName = "X-Admin-Key";

    private readonly byte[] _expected = Encoding.UTF8.GetBytes(options.Value.AdminKey ?? throw new InvalidOperationException("Sample:AdminKey is not set."));

    /// <inheritdoc/>
    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        string? given = context.HttpContext.Request.Headers[HeaderName];
        if (given is null || !CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), _expected))
        {
            context.HttpContext.Response.Headers.WWWAuthenticate = HeaderName;
            return ValueTask.FromResult<object?>(TypedResults.Problem(
                statusCode: StatusCodes.Status401Unauthorized,
                title: "Admin key required",
                detail: $"Send the operator key in the {HeaderName} header (configured as Sample:AdminKey)."));
        }

        return next(context);
    }
}
