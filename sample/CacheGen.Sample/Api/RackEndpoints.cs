using System.Text.RegularExpressions;
using CacheGen.Sample.Domain;
using CacheGen.Sample.Services;

namespace CacheGen.Sample.Api;

/// <summary>The rack-planning API: four cached reads and four writes that invalidate exactly what they change.</summary>
public static partial class RackEndpoints
{
    /// <summary>The request header naming the caller (the seed systems took it from their auth proxy).</summary>
    public const string UserHeader = "X-User-Id";

    /// <summary>Maps <c>/api/…</c>.</summary>
    public static void MapRackApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api");
        api.MapGet("/racks/{id}/thermal-analysis", GetThermalAsync);
        api.MapGet("/racks/{id}/optimization", GetOptimizationAsync);
        api.MapGet("/specs/search", SearchAsync);
        api.MapGet("/users/me/racks", GetMyRacksAsync);
        api.MapPut("/racks/{id}", UpdateAsync);
        api.MapPost("/racks/{id}/positions", AddPositionAsync);
        api.MapDelete("/racks/{id}/positions/{positionId}", RemovePositionAsync);
        api.MapDelete("/racks/{id}", DeleteAsync);
    }

    private static async Task<IResult> GetThermalAsync(int id, RackPlanningService service, RackRepository racks, CancellationToken ct)
    {
        if (CheckRack(id, racks) is { } problem)
        {
            return problem;
        }

        try
        {
            return TypedResults.Ok(await service.GetThermalAnalysisAsync(id, ct));
        }
        catch (RackNotFoundException)
        {
            return NotFound(id);
        }
    }

    private static async Task<IResult> GetOptimizationAsync(int id, string? strategy, RackPlanningService service, RackRepository racks, CancellationToken ct)
    {
        // by name only: Enum.TryParse would also take "7" or "Power,Thermal"
        var parsed = Enum.GetValues<OptimizationStrategy>().Where(s => string.Equals(s.ToString(), strategy, StringComparison.OrdinalIgnoreCase)).ToArray();
        if (parsed.Length != 1)
        {
            return Invalid("strategy", $"Required; one of: {string.Join(", ", Enum.GetNames<OptimizationStrategy>().Select(n => n.ToLowerInvariant()))}.");
        }

        if (CheckRack(id, racks) is { } problem)
        {
            return problem;
        }

        try
        {
            return TypedResults.Ok(await service.GetOptimizationAsync(id, parsed[0], ct));
        }
        catch (RackNotFoundException)
        {
            return NotFound(id);
        }
    }

    private static async Task<IResult> SearchAsync(string? q, int? limit, RackPlanningService service, CancellationToken ct)
    {
        // one entry per meaning: "Dell  R7" and "dell r7" are the same search
        string query = string.Join(' ', (q ?? string.Empty).ToLowerInvariant().Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        if (query.Length is < 2 or > 64 || query.Any(char.IsControl))
        {
            return Invalid("q", "Required: 2 to 64 characters, no control characters.");
        }

        int take = limit ?? 20;
        if (take is < 1 or > 100)
        {
            return Invalid("limit", "Must be between 1 and 100.");
        }

        return TypedResults.Ok(await service.SearchSpecsAsync(query, take, ct));
    }

    private static async Task<IResult> GetMyRacksAsync(HttpRequest request, int? page, RackPlanningService service, CancellationToken ct)
    {
        string? user = request.Headers[UserHeader];
        if (string.IsNullOrEmpty(user))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Who are you?", detail: $"Send your user id in the {UserHeader} header.");
        }

        if (!UserId().IsMatch(user))
        {
            return Invalid(UserHeader, "A user id is 1 to 64 of a-z, 0-9, '_' and '-'.");
        }

        int number = page ?? 1;
        if (number is < 1 or > 10_000)
        {
            return Invalid("page", "Must be between 1 and 10000.");
        }

        return TypedResults.Ok(await service.GetUserRacksAsync(user, number, ct));
    }

    private static async Task<IResult> UpdateAsync(int id, RackUpdate update, RackPlanningService service, RackRepository racks, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (update.Name is { } name && (name.Trim().Length is < 1 or > 64 || name.Any(char.IsControl)))
        {
            errors["name"] = ["1 to 64 characters, no control characters."];
        }

        if (update.Site is { } site && !Site().IsMatch(site))
        {
            errors["site"] = ["2 to 16 of a-z and 0-9."];
        }

        if (update.MaxPowerKw is { } power && (double.IsNaN(power) || power is < 1 or > 60))
        {
            errors["maxPowerKw"] = ["Between 1 and 60."];
        }

        if (update.InletCelsius is { } inlet && (double.IsNaN(inlet) || inlet is < 10 or > 40))
        {
            errors["inletCelsius"] = ["Between 10 and 40."];
        }

        if (update is { Name: null, Site: null, MaxPowerKw: null, InletCelsius: null })
        {
            errors["body"] = ["Set at least one of name, site, maxPowerKw, inletCelsius."];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        if (CheckRack(id, racks) is { } problem)
        {
            return problem;
        }

        string owner = racks.Find(id)!.OwnerId;
        bool listed = update.Name is not null || update.Site is not null;
        bool physical = update.MaxPowerKw is not null || update.InletCelsius is not null;
        try
        {
            // each method invalidates only what its kind of change can alter (see RackPlanningService)
            Task change = (listed, physical) switch
            {
                (true, false) => service.RenameRackAsync(id, owner, update, ct),
                (false, true) => service.ChangeRackEnvironmentAsync(id, update, ct),
                _ => service.UpdateRackAsync(id, owner, update, ct),
            };
            await change;
        }
        catch (RackNotFoundException)
        {
            return NotFound(id);
        }

        return TypedResults.Ok(racks.Find(id));
    }

    private static async Task<IResult> AddPositionAsync(int id, NewPosition position, RackPlanningService service, RackRepository racks, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(position.SpecId) || position.SpecId.Length > 64)
        {
            return Invalid("specId", "Required, at most 64 characters.");
        }

        if (position.SlotU is < 1 or > 64)
        {
            return Invalid("slotU", "Between 1 and the rack's height.");
        }

        if (CheckRack(id, racks) is { } problem)
        {
            return problem;
        }

        var result = await service.AddPositionAsync(id, racks.Find(id)!.OwnerId, position, ct);
        return result switch
        {
            AddPositionResult.Added => TypedResults.Created(
                $"/api/racks/{id}",
                racks.Find(id)?.Positions.Where(p => p.SlotU == position.SlotU && p.SpecId == position.SpecId).MaxBy(p => p.Id)),
            AddPositionResult.UnknownSpec => Invalid("specId", $"No device spec '{position.SpecId}'; see /api/specs/search."),
            AddPositionResult.NoRoom => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "No room", detail: $"A {position.SpecId} does not fit at U{position.SlotU} of rack {id}."),
            _ => NotFound(id),
        };
    }

    private static async Task<IResult> RemovePositionAsync(int id, int positionId, RackPlanningService service, RackRepository racks, CancellationToken ct)
    {
        if (CheckRack(id, racks) is { } problem)
        {
            return problem;
        }

        return await service.RemovePositionAsync(id, racks.Find(id)!.OwnerId, positionId, ct)
            ? TypedResults.NoContent()
            : TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found", detail: $"Rack {id} has no position {positionId}.");
    }

    private static async Task<IResult> DeleteAsync(int id, RackPlanningService service, RackRepository racks, CancellationToken ct)
    {
        if (CheckRack(id, racks) is { } problem)
        {
            return problem;
        }

        return await service.DeleteRackAsync(id, racks.Find(id)!.OwnerId, ct) ? TypedResults.NoContent() : NotFound(id);
    }

    private static IResult? CheckRack(int id, RackRepository racks) =>
        id < 1 ? Invalid("id", "A rack id is a positive number.")
        : racks.Find(id) is null ? NotFound(id)
        : null;

    private static IResult NotFound(int id) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found", detail: $"Rack {id} does not exist.");

    private static IResult Invalid(string field, string message) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] });

    [GeneratedRegex("^[a-z0-9_-]{1,64}$")]
    private static partial Regex UserId();

    [GeneratedRegex("^[a-z0-9]{2,16}$")]
    private static partial Regex Site();
}
