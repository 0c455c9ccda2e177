using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace CacheGen.Internal;

/// <summary>Validates what data annotations cannot reach: each entry of <see cref="CacheGenOptions.Namespaces"/>.</summary>
internal sealed class CacheGenOptionsValidator : IValidateOptions<CacheGenOptions>
{
    public ValidateOptionsResult Validate(string? name, CacheGenOptions options)
    {
        var failures = new List<string>();
        foreach (var (ns, value) in options.Namespaces)
        {
            var results = new List<ValidationResult>();
            if (!Validator.TryValidateObject(value, new ValidationContext(value), results, validateAllProperties: true))
            {
                failures.AddRange(results.Select(r => $"Namespaces:{ns}: {r.ErrorMessage}"));
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
